// AudioWorklet of the ipcam talk card: microphone samples -> 16 kHz 16-bit mono PCM.
//
// Runs on the browser's audio thread. Each input block (128 samples at the
// context's rate, usually 48 kHz) is low-passed and resampled by averaging the
// samples that fall into each 1/16000 s (a box filter: enough for speech), then
// converted to 16-bit and posted in 20 ms chunks (320 samples). It also reports
// sound onsets (level rising after silence) so the card can measure latency.

const OUT_RATE = 16000;
const CHUNK = 320; // 20 ms at 16 kHz
const ONSET_LEVEL = 0.05; // linear amplitude
const SILENCE_BLOCKS = 20; // ~50 ms of quiet before a new onset counts

class IpcamTalkProcessor extends AudioWorkletProcessor {
  constructor() {
    super();
    this.step = sampleRate / OUT_RATE;
    this.phase = 0;
    this.acc = 0;
    this.count = 0;
    this.out = new Int16Array(CHUNK);
    this.filled = 0;
    this.quietBlocks = SILENCE_BLOCKS;
    this.running = true;
    this.port.onmessage = (event) => {
      if (event.data === "flush") {
        if (this.filled) {
          this.post(this.out.slice(0, this.filled));
          this.filled = 0;
        }
        this.running = false;
        this.port.postMessage({ flushed: true });
      }
    };
  }

  post(samples) {
    const copy = samples.buffer === this.out.buffer ? samples.slice() : samples;
    this.port.postMessage({ pcm: copy.buffer }, [copy.buffer]);
  }

  process(inputs) {
    if (!this.running) return false;
    const input = inputs[0];
    if (!input || !input.length) return true;
    const channel = input[0];
    let peak = 0;
    for (let i = 0; i < channel.length; i++) {
      const x = channel[i];
      const a = x < 0 ? -x : x;
      if (a > peak) peak = a;
      this.acc += x;
      this.count += 1;
      this.phase += 1;
      if (this.phase >= this.step) {
        this.phase -= this.step;
        let y = this.acc / this.count;
        this.acc = 0;
        this.count = 0;
        y = y > 1 ? 1 : y < -1 ? -1 : y;
        this.out[this.filled++] = y < 0 ? y * 32768 : y * 32767;
        if (this.filled === CHUNK) {
          this.post(this.out);
          this.filled = 0;
        }
      }
    }
    if (peak >= ONSET_LEVEL) {
      if (this.quietBlocks >= SILENCE_BLOCKS) {
        this.port.postMessage({ onset: currentTime });
      }
      this.quietBlocks = 0;
    } else {
      this.quietBlocks += 1;
    }
    return true;
  }
}

registerProcessor("ipcam-talk-processor", IpcamTalkProcessor);
