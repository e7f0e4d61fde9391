import { z } from 'zod';

/**
 * Configuration of the `cluster` concern. Placeholder owned by the cluster work: keep it a strict object so that
 * unknown keys are reported, and give every field a doc comment and, where sensible, a default.
 */
export const clusterSchema = z.strictObject({}).prefault({});

export type ClusterConfig = z.infer<typeof clusterSchema>;
