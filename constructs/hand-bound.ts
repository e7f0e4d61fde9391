import { ITerraformDependable, TerraformProvider, TerraformResource } from 'cdktf';
import { Construct } from 'constructs';

/** A provider bound by hand: its local name, registry source and version constraint. */
export interface HandBinding {
  /** Local name and resource type prefix, e.g. `azapi`. */
  readonly name: string;
  /** Registry source, e.g. `azure/azapi`. */
  readonly source: string;
  /** Version constraint, e.g. `~> 2.9`. */
  readonly version: string;
}

/**
 * A Terraform provider with no prebuilt cdktf binding among this project's dependencies (azapi, time). Generating one
 * needs a provider download, which this project's build does not do; a small hand-written class keeps the
 * synthesized JSON exact and type-checked at this boundary.
 */
export class HandBoundProvider extends TerraformProvider {
  readonly binding: HandBinding;

  constructor(scope: Construct, id: string, binding: HandBinding) {
    super(scope, id, {
      terraformResourceType: binding.name,
      terraformGeneratorMetadata: { providerName: binding.name, providerVersionConstraint: binding.version },
      terraformProviderSource: binding.source,
    });
    this.binding = binding;
  }

  protected override synthesizeAttributes(): Record<string, unknown> {
    return {};
  }
}

/** What every hand-bound resource takes besides its own attributes. */
export interface HandBoundResourceConfig {
  readonly provider: HandBoundProvider;
  readonly dependsOn?: ITerraformDependable[];
}

/** A resource of a hand-bound provider: subclasses add only their attributes (`synthesizeAttributes`). */
export abstract class HandBoundResource extends TerraformResource {
  constructor(scope: Construct, id: string, terraformResourceType: string, config: HandBoundResourceConfig) {
    super(scope, id, {
      terraformResourceType,
      terraformGeneratorMetadata: { providerName: config.provider.binding.name, providerVersionConstraint: config.provider.binding.version },
      provider: config.provider,
      dependsOn: config.dependsOn,
    });
  }
}
