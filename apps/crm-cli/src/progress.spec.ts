import { BuildProgress, etaSeconds, formatCount, formatDuration, formatProgress, ProgressLine, type ProgressOutput } from './progress';

function terminal(isTTY: boolean, columns = 120): ProgressOutput & { text: string } {
  return {
    isTTY,
    columns,
    text: '',
    write(chunk: string) {
      this.text += chunk;
      return true;
    },
  };
}

describe('progress formatting', () => {
  it('counts with thousands separators and durations in the largest sensible units', () => {
    expect(formatCount(1234567.4)).toBe('1,234,567');
    expect([0.04, 3.26, 42, 185, 7620, 540_000].map(formatDuration)).toEqual(['0.0s', '3.3s', '42s', '3m05s', '2h07m', '6d06h']);
  });

  it('shows the bar, percentage, done/total events, the rate and the time left', () => {
    const line = formatProgress('rebuild pipeline', { done: 15_600, total: 30_000, elapsedMs: 2000 }, 10);
    expect(line).toBe('rebuild pipeline [=====>    ]  52% 15,600/30,000 events · 7,800 events/s · ETA 1.8s');
  });

  it('leaves out the bar when asked, and what it cannot know', () => {
    expect(formatProgress('export', { done: 500, total: undefined, elapsedMs: 1000 }, 0)).toBe('export 500 events · 500 events/s · ETA ?');
    expect(formatProgress('replay', { done: 0, total: 100, elapsedMs: 0 }, 0)).toBe('replay   0% 0/100 events · 0 events/s · ETA ?');
    expect(formatProgress('replay', { done: 10, total: 0, elapsedMs: 10 }, 4)).toMatch(/^replay \[====\] 100% 10\/0 events/);
  });

  it('estimates the time left from the rate so far', () => {
    expect(etaSeconds({ done: 25, total: 100, elapsedMs: 5000 })).toBe(15);
    expect(etaSeconds({ done: 0, total: 100, elapsedMs: 5000 })).toBeUndefined();
  });
});

describe('ProgressLine', () => {
  let now = 0;
  const clock = () => now;
  beforeEach(() => (now = 0));

  it('redraws in place on a terminal, at most every 100 ms, and ends with the summary on a clean line', () => {
    const out = terminal(true);
    const line = new ProgressLine(out, 'rebuild x', { now: clock });
    line.update(10, 100);
    now = 50;
    line.update(20, 100); // too soon: not drawn
    now = 200;
    line.update(50, 100);
    line.finish('rebuild x: done');
    const frames = out.text.split('\r\x1b[2K');
    expect(frames).toEqual([
      '',
      expect.stringMatching(/^rebuild x \[.*\] {2}10% 10\/100 events/),
      expect.stringMatching(/^rebuild x .* 50% 50\/100 /),
      'rebuild x: done\n',
    ]);
  });

  it('prints plain lines now and then without a terminal, never carriage returns', () => {
    const out = terminal(false);
    const line = new ProgressLine(out, 'replay all', { now: clock, plainEveryMs: 1000 });
    line.update(10, 100); // at the start: a short run shows only its summary
    now = 1500;
    line.update(60, 100);
    now = 1600;
    line.update(70, 100);
    line.finish();
    expect(out.text).not.toContain('\r');
    expect(out.text.trimEnd().split('\n')).toEqual([
      'replay all  60% 60/100 events · 40 events/s · ETA 1.0s',
      'replay all  70% 70/100 events · 44 events/s · ETA 0.7s',
    ]);
  });
});

describe('builds reported on one line', () => {
  it('keeps the largest figures each build reported: its catch-up after the scan counts from where it stood, not from the start', () => {
    const progress = new BuildProgress();
    expect(progress.total).toBeUndefined();
    expect(progress.record('pipeline-leads', 10_000, 49_584)).toEqual({ done: 10_000, total: 49_584 });
    expect(progress.record('complaint-kpis', 49_584, 49_584)).toEqual({ done: 49_584, total: 49_584 });
    // The scan is over; the build catches up with the 824 events appended meanwhile, from its own checkpoint.
    expect(progress.record('complaint-kpis', 300, 824)).toEqual({ done: 49_584, total: 49_584 });
    expect(progress.record('pipeline-leads', 20_000, undefined)).toEqual({ done: 20_000, total: 49_584 });
    expect(progress.total).toBe(49_584);
  });
});
