// Validation of queue API records. A bad record is skipped with a reason; the rest of the page is processed.
import type { IncomingCase, Severity } from '../domain';
import type { Rejected } from '../store/store';

export interface FieldMap { id: string; product: string; severity: string; customer: string; createdAt: string; status: string; slaDeadline?: string }

/**
 * Product names are compared case-insensitively: trimmed, inner whitespace collapsed, lower-cased. Records and the
 * engineers' readiness keys go through the same function, so `AKS`, ` aks ` and `Aks` are one product.
 */
export function normalizeProduct(p: string): string {
  return p.trim().replace(/\s+/g, ' ').toLowerCase();
}

const MAX_ID = 200;
const MAX_PRODUCT = 100;
const MAX_CUSTOMER = 200;
const hasNul = (v: unknown) => typeof v === 'string' && v.includes('\u0000');

export const DEFAULT_FIELDS: FieldMap = { id: 'id', product: 'product', severity: 'severity', customer: 'customer', createdAt: 'createdAt', status: 'status' };

/** Reads `a.b.c` from an object. */
export function pick(obj: unknown, path: string): unknown {
  if (!path) return obj;
  let v: unknown = obj;
  for (const k of path.split('.')) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined;
  return v;
}

const FUTURE_SLACK_MS = 5 * 60_000;

export function parseRecords(
  records: readonly unknown[],
  fields: FieldMap = DEFAULT_FIELDS,
  resolvedStatuses: readonly string[] = ['resolved', 'closed'],
  now = new Date(),
): { cases: IncomingCase[]; rejects: Rejected[] } {
  const cases: IncomingCase[] = [];
  const rejects: Rejected[] = [];
  const resolved = new Set(resolvedStatuses.map((s) => s.toLowerCase()));
  for (const record of records) {
    const bad = (reason: string) => rejects.push({ reason, record: record ?? null });
    if (!record || typeof record !== 'object' || Array.isArray(record)) {
      bad('not an object');
      continue;
    }
    const id = pick(record, fields.id);
    const product = pick(record, fields.product);
    const sev = pick(record, fields.severity);
    const customer = pick(record, fields.customer);
    const created = pick(record, fields.createdAt);
    const status = pick(record, fields.status);
    const deadline = fields.slaDeadline ? pick(record, fields.slaDeadline) : undefined;
    // PostgreSQL text cannot hold NUL; one such record must not fail the whole page's upsert.
    if ([id, product, sev, customer, created, status].some(hasNul)) {
      bad('NUL byte in a field');
      continue;
    }
    if ((typeof id !== 'string' && typeof id !== 'number') || String(id).trim() === '' || String(id).length > MAX_ID) {
      bad(`missing or invalid ${fields.id}`);
      continue;
    }
    if (typeof product !== 'string' || product.trim() === '' || product.length > MAX_PRODUCT) {
      bad(`missing or invalid ${fields.product}`);
      continue;
    }
    const severity = typeof sev === 'string' ? sev.trim().toUpperCase() : '';
    if (severity !== 'A' && severity !== 'B' && severity !== 'C') {
      bad(`invalid ${fields.severity} ${JSON.stringify(sev ?? null)} (allowed: A, B, C)`);
      continue;
    }
    const createdAt = typeof created === 'string' || typeof created === 'number' ? new Date(created) : new Date(NaN);
    if (Number.isNaN(createdAt.getTime())) {
      bad(`invalid ${fields.createdAt} ${JSON.stringify(created ?? null)}`);
      continue;
    }
    if (createdAt.getTime() > now.getTime() + FUTURE_SLACK_MS) {
      bad(`future ${fields.createdAt} ${createdAt.toISOString()}`);
      continue;
    }
    if (customer !== undefined && customer !== null && typeof customer !== 'string') {
      bad(`invalid ${fields.customer}`);
      continue;
    }
    let slaDeadline: Date | undefined;
    if (deadline !== undefined && deadline !== null && deadline !== '') {
      slaDeadline = typeof deadline === 'string' || typeof deadline === 'number' ? new Date(deadline) : new Date(NaN);
      if (Number.isNaN(slaDeadline.getTime())) {
        bad(`invalid ${fields.slaDeadline} ${JSON.stringify(deadline)}`);
        continue;
      }
    }
    cases.push({
      id: String(id).trim(),
      product: normalizeProduct(product),
      severity: severity as Severity,
      customer: typeof customer === 'string' && customer ? customer.slice(0, MAX_CUSTOMER) : '(unknown)',
      createdAt,
      resolved: typeof status === 'string' && resolved.has(status.trim().toLowerCase()),
      ...(slaDeadline ? { slaDeadline } : {}),
    });
  }
  return { cases, rejects };
}
