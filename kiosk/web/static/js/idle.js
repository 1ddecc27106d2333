// idle.js protects privacy at a shared screen: when nobody has touched the
// kiosk for the configured time it shows a countdown, then returns home
// and forgets everything the last citizen did. An untouched kiosk is not
// reset again and again: the timer only runs after someone used it.

// Interaction events. Scrolling by touch or wheel starts with one of these;
// programmatic scrolling (as the reset itself does) must not count.
const ACTIVITY = ['pointerdown', 'touchstart', 'keydown', 'wheel'];

export class Idle {
  constructor({ overlay, countEl, stayButton, onReset }) {
    this.overlay = overlay;
    this.countEl = countEl;
    this.onReset = onReset;
    this.idleMs = 120000;
    this.timer = 0;
    this.ticker = 0;
    this.left = 0;
    const onActivity = () => this.activity();
    for (const ev of ACTIVITY) document.addEventListener(ev, onActivity, { capture: true, passive: true });
    stayButton.addEventListener('click', () => this.activity());
  }

  // setIdleSeconds changes the idle time (from the server's settings).
  setIdleSeconds(s) {
    if (!(s > 0)) return;
    this.idleMs = s * 1000;
    if (this.timer) this.activity();
  }

  // countdownSeconds is how long the warning shows: 10 s normally, less
  // when the idle time itself is short.
  countdownSeconds() {
    return Math.max(3, Math.min(10, Math.round(this.idleMs / 3000)));
  }

  activity() {
    this.stop();
    const warnIn = this.idleMs - this.countdownSeconds() * 1000;
    this.timer = setTimeout(() => this.warn(), Math.max(0, warnIn));
  }

  stop() {
    clearTimeout(this.timer);
    clearInterval(this.ticker);
    this.timer = 0;
    this.ticker = 0;
    this.overlay.hidden = true;
  }

  warn() {
    this.left = this.countdownSeconds();
    this.countEl.textContent = String(this.left);
    this.overlay.hidden = false;
    this.ticker = setInterval(() => {
      this.left -= 1;
      this.countEl.textContent = String(Math.max(this.left, 0));
      if (this.left <= 0) this.fire();
    }, 1000);
  }

  fire() {
    this.stop();
    this.onReset();
  }
}
