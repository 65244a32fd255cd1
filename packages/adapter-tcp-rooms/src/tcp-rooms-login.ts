import { checkTextName, Name } from '@switchboard/core';
import type { LineMode, TcpRoomsLink } from './tcp-rooms-link.ts';
import { refusals, registered, replies, welcomeBack } from './tcp-rooms-replies.ts';

/** `done`: logged in or signed up; the dialogue takes no more lines, whatever else happens. */
type Step = 'nickname' | 'password' | 'new-password' | 'repeat-password' | 'done';

const prompts: Record<Exclude<Step, 'done'>, string> = {
  nickname: replies.enterNickname,
  password: replies.password,
  'new-password': replies.newNickname,
  'repeat-password': replies.repeatPassword,
};

/**
 * The dialogue before chat: nickname, then the password of a known name, or sign-up with a
 * password typed twice. Lines are taken literally here (a password may start with `/`).
 */
export class LoginDialogue implements LineMode {
  readonly #link: TcpRoomsLink;
  #step: Step = 'nickname';
  #nickname = '';
  #name: Name | null = null;
  #firstPassword = '';
  #mismatches = 0;

  constructor(link: TcpRoomsLink) {
    this.#link = link;
  }

  start(): void {
    this.#link.say(replies.enterNickname);
  }

  line(text: string): void | Promise<void> {
    switch (this.#step) {
      case 'nickname':
        return this.#onNickname(text);
      case 'password':
        return this.#onPassword(text);
      case 'new-password':
        return this.#onNewPassword(text);
      case 'repeat-password':
        return this.#onRepeatedPassword(text);
      case 'done':
        return;
    }
  }

  tooLong(): void {
    if (this.#step === 'done') return;
    this.#link.say(replies.lineTooLong);
    this.#ask(this.#step);
  }

  #ask(step: Exclude<Step, 'done'>): void {
    this.#step = step;
    this.#link.say(prompts[step]);
  }

  async #onNickname(text: string): Promise<void> {
    const problem = checkTextName(text);
    if (problem) {
      this.#link.say(refusals[problem]());
      this.#ask('nickname');
      return;
    }
    const name = Name.fromText(text);
    const known = await this.#link.context.hub.isRegistered(name);
    // A nickname with a space could not be named by `/msg NICK TEXT`; known ones may still log in.
    if (!known && text.includes(' ')) {
      this.#link.say(replies.nicknameWithSpace);
      this.#ask('nickname');
      return;
    }
    this.#nickname = text;
    this.#name = name;
    this.#ask(known ? 'password' : 'new-password');
  }

  async #onPassword(password: string): Promise<void> {
    const result = await this.#link.session.login(this.#name!, password);
    switch (result) {
      case 'ok':
        // Even if the connection is closing meanwhile, no later line is taken as a password.
        this.#step = 'done';
        this.#link.enterChat();
        this.#link.say(welcomeBack(this.#nickname));
        return;
      default:
        this.#link.hangUp(refusals[result]());
    }
  }

  #onNewPassword(password: string): void {
    if (password.length === 0) {
      this.#link.say(replies.emptyPassword);
      this.#ask('new-password');
      return;
    }
    this.#firstPassword = password;
    this.#ask('repeat-password');
  }

  async #onRepeatedPassword(password: string): Promise<void> {
    const first = this.#firstPassword;
    this.#firstPassword = '';
    if (password !== first) {
      this.#mismatches += 1;
      if (this.#mismatches >= this.#link.context.options.maxSignupAttempts) {
        this.#link.hangUp(replies.passwordsDiffer);
        return;
      }
      this.#link.say(replies.passwordsDiffer);
      this.#ask('new-password');
      return;
    }
    const result = await this.#link.session.register(this.#name!, password);
    if (result === 'ok') {
      this.#step = 'done';
      this.#link.enterChat();
      this.#link.say(registered(this.#nickname));
      return;
    }
    // Someone registered the name while this user typed: it is now a known name.
    this.#link.say(refusals[result]());
    this.#ask('password');
  }
}
