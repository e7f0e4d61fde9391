/**
 * A decimal as iostat prints it: in the C locale `8543.60`, in many others `8543,60` (sysstat follows
 * LC_NUMERIC). Returns NaN for anything else.
 */
export function parseDecimal(text: string): number {
  const t = text.trim();
  if (/^-?\d+(\.\d+)?$/.test(t)) return Number(t);
  if (/^-?\d+,\d+$/.test(t)) return Number(t.replace(',', '.'));
  return NaN;
}
