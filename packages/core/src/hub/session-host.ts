import type { LoginResult, RegisterResult } from '../accounts/accounts.ts';
import type { Name } from '../names/name.ts';
import type { Clock } from '../ports/clock.ts';
import type { JoinResult } from '../rooms/rooms.ts';
import type { HubStats } from './hub-stats.ts';
import type { ClaimResult, CreateRoomAnswer, Session } from './session.ts';

/**
 * What a {@link Session} asks of the hub. The hub hands each session an object with these
 * operations; they are not part of the hub's public API, so there is one way to act for a
 * connection (through its session), and session.ts does not import the hub.
 */
export interface SessionHost {
  readonly clock: Clock;
  readonly stats: HubStats;
  claimGuest(session: Session, name: Name): Promise<ClaimResult>;
  login(session: Session, name: Name, password: string): Promise<LoginResult>;
  register(session: Session, name: Name, password: string): Promise<RegisterResult>;
  sendDirect(session: Session, recipients: readonly Name[], text: string | Buffer): Promise<Name[]>;
  broadcast(session: Session, text: string | Buffer): void;
  createRoom(session: Session, room: string): Promise<CreateRoomAnswer>;
  joinRoom(session: Session, room: string, password: string): Promise<JoinResult>;
  moveToRoom(session: Session, room: string | null): void;
  unbind(session: Session): void;
  invalidate(name: Name, except: Session | null): void;
  closeSession(session: Session): void;
  activeNames(): Promise<Name[]>;
}
