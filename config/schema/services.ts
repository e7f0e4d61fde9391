import { z } from 'zod';

/**
 * Configuration of the `services` concern. Placeholder owned by the services work: keep it a strict object so that
 * unknown keys are reported, and give every field a doc comment and, where sensible, a default.
 */
export const servicesSchema = z.strictObject({}).prefault({});

export type ServicesConfig = z.infer<typeof servicesSchema>;
