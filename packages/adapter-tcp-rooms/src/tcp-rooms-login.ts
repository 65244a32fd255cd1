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
 * One per connection until it is logged in (then the connection drops it).
 */
export class LoginDialogue implements LineMode {
  #step: Step = 'nickname';
  #nickname = '';
  #name: Name | null = null;
  #firstPassword = '';
  #mismatches = 0;

  start(link: TcpRoomsLink): void {
    link.say(replies.enterNickname);
  }

  line(link: TcpRoomsLink, text: string): Promise<void> | undefined {
    switch (this.#step) {
      case 'nickname':
        return this.#onNickname(link, text);
      case 'password':
        return this.#onPassword(link, text);
      case 'new-password':
        this.#onNewPassword(link, text);
        return;
      case 'repeat-password':
        return this.#onRepeatedPassword(link, text);
      case 'done':
        return;
    }
  }

  tooLong(link: TcpRoomsLink): void {
    if (this.#step === 'done') return;
    link.say(replies.lineTooLong);
    this.#ask(link, this.#step);
  }

  #ask(link: TcpRoomsLink, step: Exclude<Step, 'done'>): void {
    this.#step = step;
    link.say(prompts[step]);
  }

  #onNickname(link: TcpRoomsLink, text: string): Promise<void> | undefined {
    const problem = checkTextName(text);
    if (problem) {
      link.say(refusals[problem]());
      this.#ask(link, 'nickname');
      return;
    }
    const name = Name.fromText(text);
    return link.context.hub.isRegistered(name).then((known) => {
      // A nickname with a space could not be named by `/msg NICK TEXT`; known ones may still log in.
      if (!known && text.includes(' ')) {
        link.say(replies.nicknameWithSpace);
        this.#ask(link, 'nickname');
        return;
      }
      this.#nickname = text;
      this.#name = name;
      this.#ask(link, known ? 'password' : 'new-password');
    });
  }

  async #onPassword(link: TcpRoomsLink, password: string): Promise<void> {
    const result = await link.session.login(this.#name!, password);
    if (result === 'ok') {
      // Even if the connection is closing meanwhile, no later line is taken as a password.
      this.#step = 'done';
      link.enterChat();
      link.say(welcomeBack(this.#nickname));
      return;
    }
    link.hangUp(refusals[result]());
  }

  #onNewPassword(link: TcpRoomsLink, password: string): void {
    if (password.length === 0) {
      link.say(replies.emptyPassword);
      this.#ask(link, 'new-password');
      return;
    }
    this.#firstPassword = password;
    this.#ask(link, 'repeat-password');
  }

  async #onRepeatedPassword(link: TcpRoomsLink, password: string): Promise<void> {
    const first = this.#firstPassword;
    this.#firstPassword = '';
    if (password !== first) {
      this.#mismatches += 1;
      if (this.#mismatches >= link.context.options.maxSignupAttempts) {
        link.hangUp(replies.passwordsDiffer);
        return;
      }
      link.say(replies.passwordsDiffer);
      this.#ask(link, 'new-password');
      return;
    }
    const result = await link.session.register(this.#name!, password);
    if (result === 'ok') {
      this.#step = 'done';
      link.enterChat();
      link.say(registered(this.#nickname));
      return;
    }
    // Someone registered the name while this user typed: it is now a known name.
    link.say(refusals[result]());
    this.#ask(link, 'password');
  }
}
