// Next run times of a CronWorkflow's schedules (5-field cron, names, ranges, steps, @daily and
// friends), in its `timezone` (IANA, through Intl) or UTC when it has none, as Argo's
// controller reads them. `@every D` runs D after its last run (robfig's constant delay): its next
// run is known only from the status's lastScheduledTime. Seconds fields are not shown (null).

const NAMES: Record<string, number> = {
  sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6,
  jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12,
};
const MACROS: Record<string, string> = {
  "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *", "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
};

function field(text: string, lo: number, hi: number): Set<number> | null {
  const out = new Set<number>();
  for (const part of text.toLowerCase().split(",")) {
    const [range, stepText] = part.split("/");
    const step = stepText ? Number(stepText) : 1;
    let a = lo, b = hi;
    if (range !== "*" && range !== "?") {
      const [x, y] = range.split("-").map((v) => (v in NAMES ? NAMES[v] : Number(v)));
      a = x;
      b = y === undefined ? (stepText ? hi : x) : y;
    }
    if (![a, b, step].every(Number.isInteger) || step < 1) return null;
    for (let v = a; v <= b; v += step) out.add(v === 7 && hi === 7 ? 0 : v);
  }
  return out;
}

interface Parts { minute: number; hour: number; day: number; month: number; weekday: number }

function partsIn(date: Date, timezone: string): Parts {
  const f = new Intl.DateTimeFormat("en-US", { timeZone: timezone, hour12: false, minute: "numeric", hour: "numeric", day: "numeric", month: "numeric", weekday: "short" });
  const p = Object.fromEntries(f.formatToParts(date).map((x) => [x.type, x.value]));
  return { minute: Number(p.minute), hour: Number(p.hour) % 24, day: Number(p.day), month: Number(p.month), weekday: NAMES[String(p.weekday).toLowerCase()] };
}

/** The next run after `from` of one schedule; null when it cannot be read here. */
export function nextRun(schedule: string, timezone = "UTC", from = new Date()): Date | null {
  let text = schedule.trim();
  const tz = text.match(/^(CRON_TZ|TZ)=(\S+)\s+(.*)$/);
  if (tz) { timezone = tz[2]; text = tz[3]; }
  text = MACROS[text] || text;
  const f = text.split(/\s+/);
  if (f.length !== 5) return null;
  const [minutes, hours, days, months, weekdays] = [field(f[0], 0, 59), field(f[1], 0, 23), field(f[2], 1, 31), field(f[3], 1, 12), field(f[4], 0, 7)];
  if (!minutes || !hours || !days || !months || !weekdays) return null;
  // cron's rule: when both day-of-month and day-of-week are restricted, either may match
  const anyDay = f[2] === "*" || f[2] === "?", anyWeekday = f[4] === "*" || f[4] === "?";
  try { partsIn(from, timezone); } catch { return null; }
  let t = Math.floor(from.getTime() / 60000 + 1) * 60000;
  for (let i = 0; i < 200000; i++) {
    const p = partsIn(new Date(t), timezone);
    const dayOk = anyDay && anyWeekday ? true : anyDay ? weekdays.has(p.weekday) : anyWeekday ? days.has(p.day) : days.has(p.day) || weekdays.has(p.weekday);
    if (!months.has(p.month) || !dayOk) t += ((24 - p.hour) * 60 - p.minute) * 60000;
    else if (!hours.has(p.hour)) t += (60 - p.minute) * 60000;
    else if (!minutes.has(p.minute)) t += 60000;
    else return new Date(t);
  }
  return null;
}

const UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, "µs": 1e-3, ms: 1, s: 1000, m: 60000, h: 3600000 };

/** A Go duration ("1h30m", "90s", "1.5h") in milliseconds; null when it is not one. */
export function goDuration(text: string): number | null {
  const t = text.trim();
  if (!/^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(t)) return null;
  let ms = 0;
  for (const [, n, unit] of t.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) ms += Number(n) * UNITS[unit];
  return ms;
}

/** `@every D`'s next run: D after the last one (whole seconds, as robfig rounds), if that is still ahead. */
function nextEvery(schedule: string, last: string | undefined, from: Date): Date | null {
  const m = schedule.trim().match(/^@every\s+(\S+)$/);
  const d = m ? goDuration(m[1]) : null;
  if (!d || !last || Number.isNaN(Date.parse(last))) return null;
  const at = new Date(Math.floor((Date.parse(last) + Math.max(d, 1000)) / 1000) * 1000);
  return at > from ? at : null;
}

/** The soonest next run over a CronWorkflow's schedules (`status` for `@every`'s last run). */
export function nextRunOf(spec: { schedule?: string; schedules?: string[]; timezone?: string },
                          status: { lastScheduledTime?: string } = {}, from = new Date()): Date | null {
  const runs = (spec.schedules || [spec.schedule]).filter(Boolean)
    .map((s) => (String(s).trim().startsWith("@every") ? nextEvery(String(s), status.lastScheduledTime, from) : nextRun(String(s), spec.timezone || "UTC", from)))
    .filter((d): d is Date => d !== null);
  return runs.length ? new Date(Math.min(...runs.map((d) => d.getTime()))) : null;
}
