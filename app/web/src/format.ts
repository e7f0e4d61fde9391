// Display helpers. Times are shown relative to "now" (what a supervisor reads at a glance) with the exact
// instant in a tooltip / <time datetime>.

const relative = new Intl.RelativeTimeFormat('en', { numeric: 'auto', style: 'short' });
const absolute = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const clock = new Intl.DateTimeFormat(undefined, { timeStyle: 'medium' });

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
];

/** "in 42 min", "3 hr ago", "now": the largest unit that fits, rounded toward zero. */
export function fromNow(iso: string | null | undefined, now: number): string {
  if (!iso) return '—';
  const diff = Date.parse(iso) - now;
  if (Number.isNaN(diff)) return iso;
  for (const [unit, ms] of UNITS) {
    if (Math.abs(diff) >= ms) return relative.format(Math.trunc(diff / ms), unit);
  }
  return 'now';
}

/** Compact duration for ages and time-to-breach: "2h 05m", "14m", "3d 4h". */
export function duration(ms: number): string {
  const minutes = Math.floor(Math.abs(ms) / 60_000);
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const mins = minutes % 60;
  if (days > 0) return `${days}d ${hours}h`;
  if (hours > 0) return `${hours}h ${String(mins).padStart(2, '0')}m`;
  return `${mins}m`;
}

export function dateTime(iso: string | null | undefined): string {
  if (!iso) return '';
  const t = Date.parse(iso);
  return Number.isNaN(t) ? iso : absolute.format(t);
}

export function clockTime(date: Date): string {
  return clock.format(date);
}

export function percent(ratio: number, digits = 1): string {
  return Number.isFinite(ratio) ? `${(ratio * 100).toFixed(digits)} %` : '—';
}

export function decimal(value: number | null | undefined, digits = 2): string {
  return typeof value === 'number' && Number.isFinite(value) ? value.toFixed(digits) : '—';
}

/** Ladder step as a sentence fragment: step 0 is the strict match, later steps relaxed it. */
export function ladderLabel(step: number | null | undefined): string {
  if (step === null || step === undefined) return '—';
  return step === 0 ? '0 · strict' : `${step} · relaxed`;
}
