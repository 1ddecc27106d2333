// speech.js reads the screen aloud in Mandarin with the browser's speech
// synthesis, where the kiosk's browser has it.

const MAX_CHARS = 4000;

export class Reader {
  constructor(onState) {
    this.onState = onState;
    this.synth = typeof window.speechSynthesis === 'object' && typeof window.SpeechSynthesisUtterance === 'function'
      ? window.speechSynthesis : null;
    this.speaking = false;
  }

  available() {
    return this.synth !== null;
  }

  // voice prefers a Chinese voice; without one the browser picks by lang.
  voice() {
    const voices = this.synth.getVoices() || [];
    return voices.find((v) => /^zh[-_]CN/i.test(v.lang)) || voices.find((v) => /^zh/i.test(v.lang)) || null;
  }

  // toggle reads text aloud, or stops reading if it already is.
  toggle(text) {
    if (!this.synth) return;
    if (this.speaking) {
      this.stop();
      return;
    }
    const u = new SpeechSynthesisUtterance(text.slice(0, MAX_CHARS));
    u.lang = 'zh-CN';
    u.rate = 0.9;
    const v = this.voice();
    if (v) u.voice = v;
    u.onend = () => this.set(false);
    u.onerror = () => this.set(false);
    this.synth.cancel();
    this.synth.speak(u);
    this.set(true);
  }

  stop() {
    if (this.synth) this.synth.cancel();
    this.set(false);
  }

  set(on) {
    this.speaking = on;
    this.onState(on);
  }
}

// textToRead collects what a screen offers to be read: the elements marked
// data-speak in order, or else the whole screen.
export function textToRead(main) {
  const parts = [...main.querySelectorAll('[data-speak]')].map((el) => el.innerText.trim()).filter(Boolean);
  return (parts.length ? parts.join('。\n') : main.innerText).replace(/\s+\n/g, '\n');
}
