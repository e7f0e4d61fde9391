import { z } from 'zod';

/**
 * Configuration of the `platform` concern. Placeholder owned by the platform work: keep it a strict object so that
 * unknown keys are reported, and give every field a doc comment and, where sensible, a default.
 */
export const platformSchema = z.strictObject({}).prefault({});

export type PlatformConfig = z.infer<typeof platformSchema>;
