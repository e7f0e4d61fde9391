import { TerraformProvider, TerraformResource } from 'cdktf';
import { Construct } from 'constructs';

/**
 * Minimal bindings for the two azapi pieces this stack needs. No prebuilt cdktf provider exists for azapi,
 * and generating one needs a provider download; an escape-hatch class keeps the synthesized JSON exact and
 * type-checked at this boundary.
 */
export class AzapiProvider extends TerraformProvider {
  constructor(scope: Construct, id: string) {
    super(scope, id, {
      terraformResourceType: 'azapi',
      terraformGeneratorMetadata: { providerName: 'azapi', providerVersionConstraint: '~> 2.4' },
      terraformProviderSource: 'azure/azapi',
    });
  }

  protected override synthesizeAttributes(): Record<string, unknown> {
    return {};
  }
}

export interface AzapiUpdateResourceConfig {
  readonly provider: AzapiProvider;
  /** `<resource type>@<api version>`, e.g. `Microsoft.Network/virtualNetworks/virtualNetworkPeerings@2024-05-01`. */
  readonly type: string;
  readonly resourceId: string;
  /** The properties to merge into the existing resource. */
  readonly body: Record<string, unknown>;
  readonly dependsOn?: TerraformResource[];
}

/** `azapi_update_resource`: sets properties on a resource another configuration owns (GET, merge, PUT). */
export class AzapiUpdateResource extends TerraformResource {
  private readonly config: AzapiUpdateResourceConfig;

  constructor(scope: Construct, id: string, config: AzapiUpdateResourceConfig) {
    super(scope, id, {
      terraformResourceType: 'azapi_update_resource',
      terraformGeneratorMetadata: { providerName: 'azapi', providerVersionConstraint: '~> 2.4' },
      provider: config.provider,
      dependsOn: config.dependsOn,
    });
    this.config = config;
  }

  protected override synthesizeAttributes(): Record<string, unknown> {
    return { type: this.config.type, resource_id: this.config.resourceId, body: this.config.body };
  }
}
