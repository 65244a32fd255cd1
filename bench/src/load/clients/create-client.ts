import type { Client, ClientEvents, ClientSpec } from './client.ts';
import { IrcClient, RsUsClient, SohClient, TcpRoomsClient } from './tcp-client.ts';
import { WebSocketClient } from './websocket-client.ts';

export function createClient(spec: ClientSpec, events: ClientEvents): Client {
  switch (spec.protocol) {
    case 'json-ws':
    case 'sessions':
    case 'socket.io':
      return new WebSocketClient(spec, events);
    case 'soh':
      return new SohClient(spec, events);
    case 'tcp-rooms':
      return new TcpRoomsClient(spec, events);
    case 'rs-us':
      return new RsUsClient(spec, events);
    case 'irc':
      return new IrcClient(spec, events);
  }
}
