// speech.js reads the screen aloud in Mandarin: with a Mandarin voice of
// the browser when it has one, or else with speech the server synthesises
// (espeak-ng), so that every kiosk can speak. Without either, the 朗读
// button stays hidden.

const MAX_CHARS = 4000;
// PIECE is how much text one server request carries (the server allows 400).
const PIECE = 200;

// mandarin tells a Mandarin voice by its language tag: zh-CN, zh, or cmn
// as Debian's speech voices report it.
const mandarin = (v) => /^(zh|cmn)([-_]|$)/i.test(v.lang || '');

// pieces cuts text at sentence ends into parts of at most PIECE characters.
export function pieces(text) {
  const out = [];
  let cur = '';
  for (const s of text.match(/[^。！？；\n]+[。！？；\n]*/g) || []) {
    for (let i = 0; i < s.length; i += PIECE) {
      const part = s.slice(i, i + PIECE);
      if (cur.length + part.length > PIECE && cur) {
        out.push(cur);
        cur = '';
      }
      cur += part;
    }
  }
  if (cur.trim()) out.push(cur);
  return out.map((p) => p.trim()).filter(Boolean);
}

export class Reader {
  // onState(speaking) follows reading; onAvailable(yes) follows whether
  // anything can speak at all.
  constructor(onState, onAvailable) {
    this.onState = onState;
    this.onAvailable = onAvailable;
    this.synth = typeof window.speechSynthesis === 'object' && typeof window.SpeechSynthesisUtterance === 'function'
      ? window.speechSynthesis : null;
    this.server = null; // async (text) => Blob | null, when the server speaks
    this.speaking = false;
    this.seq = 0;
    this.audio = null;
    if (this.synth) this.synth.addEventListener('voiceschanged', () => this.onAvailable(this.available()));
  }

  // useServer lets the reader ask the server for speech (fetch returns a
  // WAV Blob or null), or stops it when fetch is null.
  useServer(fetch) {
    this.server = fetch;
    this.onAvailable(this.available());
  }

  voice() {
    if (!this.synth) return null;
    const voices = (this.synth.getVoices() || []).filter(mandarin);
    return voices.find((v) => /^zh[-_]CN/i.test(v.lang)) || voices[0] || null;
  }

  available() {
    return this.voice() !== null || this.server !== null;
  }

  // toggle reads text aloud, or stops reading if it already is.
  toggle(text) {
    if (this.speaking) {
      this.stop();
      return;
    }
    const t = text.slice(0, MAX_CHARS);
    const v = this.voice();
    if (v) this.speakBrowser(t, v);
    else if (this.server) this.speakServer(t);
  }

  speakBrowser(text, voice) {
    const u = new SpeechSynthesisUtterance(text);
    u.lang = voice.lang;
    u.voice = voice;
    u.rate = 0.9;
    u.onend = () => this.set(false);
    u.onerror = () => this.set(false);
    this.synth.cancel();
    this.synth.speak(u);
    this.set(true);
  }

  // speakServer plays the pieces one after another, fetching the next
  // while the current one plays.
  async speakServer(text) {
    const mine = ++this.seq;
    const parts = pieces(text);
    this.set(true);
    let next = parts.length ? this.server(parts[0]) : null;
    for (let i = 0; i < parts.length && mine === this.seq; i++) {
      const blob = await next;
      next = i + 1 < parts.length ? this.server(parts[i + 1]) : null;
      if (!blob || mine !== this.seq) break;
      await this.play(blob, mine);
    }
    if (mine === this.seq) this.set(false);
  }

  play(blob, mine) {
    return new Promise((resolve) => {
      const url = URL.createObjectURL(blob);
      const audio = new Audio(url);
      this.audio = audio;
      const done = () => {
        URL.revokeObjectURL(url);
        if (this.audio === audio) this.audio = null;
        resolve();
      };
      audio.addEventListener('ended', done);
      audio.addEventListener('error', done);
      audio.addEventListener('pause', done);
      if (mine !== this.seq) done();
      else audio.play().catch(done);
    });
  }

  stop() {
    this.seq++;
    if (this.synth) this.synth.cancel();
    if (this.audio) this.audio.pause();
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
