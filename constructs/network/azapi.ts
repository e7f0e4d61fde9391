import { IResolvable, TerraformDataSource, TerraformResource } from 'cdktf';
import { Construct } from 'constructs';
import { HandBoundProvider, HandBoundResource } from '../hand-bound';

/**
 * 2.7 added `ignore_not_found` / `exists` to the azapi_resource data source, 2.9 `ignore_not_found` to
 * azapi_resource_action (CHANGELOG v2.7.0, v2.9.0).
 */
export const AZAPI_VERSION = '~> 2.9';

/** `azure/azapi`, bound by hand (constructs/hand-bound.ts says why), with the three azapi pieces the stacks use. */
export class AzapiProvider extends HandBoundProvider {
  constructor(scope: Construct, id: string) {
    super(scope, id, { name: 'azapi', source: 'azure/azapi', version: AZAPI_VERSION });
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
export class AzapiUpdateResource extends HandBoundResource {
  private readonly config: AzapiUpdateResourceConfig;

  constructor(scope: Construct, id: string, config: AzapiUpdateResourceConfig) {
    super(scope, id, 'azapi_update_resource', config);
    this.config = config;
  }

  protected override synthesizeAttributes(): Record<string, unknown> {
    return { type: this.config.type, resource_id: this.config.resourceId, body: this.config.body };
  }
}

export interface AzapiResourceActionConfig {
  readonly provider: AzapiProvider;
  /** `<resource type>@<api version>`. */
  readonly type: string;
  readonly resourceId: string;
  /** HTTP method. With `action` empty, the request goes to the resource itself. */
  readonly method: 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  readonly body: Record<string, unknown>;
  /** `destroy`: the request is sent when this resource is destroyed, never on create (azapi >= 1.12, `when`). */
  readonly when: 'apply' | 'destroy';
  /** Treat a 404 as done (the target is already gone, e.g. its VNet was deleted first). @default false */
  readonly ignoreNotFound?: boolean;
  readonly dependsOn?: TerraformResource[];
}

/**
 * `azapi_resource_action`: one request to an existing resource. With `when = "destroy"` it is the undo of an
 * `azapi_update_resource`, whose own destroy is a no-op (azapi docs: "When azapi_update_resource is deleted, no
 * operation will be performed, and these properties will stay unchanged").
 */
export class AzapiResourceAction extends HandBoundResource {
  private readonly config: AzapiResourceActionConfig;

  constructor(scope: Construct, id: string, config: AzapiResourceActionConfig) {
    super(scope, id, 'azapi_resource_action', config);
    this.config = config;
  }

  protected override synthesizeAttributes(): Record<string, unknown> {
    // No `action`: left empty, the request goes to the resource itself (azapi docs).
    return {
      type: this.config.type,
      resource_id: this.config.resourceId,
      method: this.config.method,
      body: this.config.body,
      when: this.config.when,
      ...(this.config.ignoreNotFound ? { ignore_not_found: true } : {}),
    };
  }
}

export interface DataAzapiResourceConfig {
  readonly provider: AzapiProvider;
  readonly type: string;
  /** A resource id known at plan time (literal names), so that the read happens during plan. */
  readonly resourceId: string;
}

/**
 * `data "azapi_resource"` with `ignore_not_found = true` (azapi >= 2.7): `exists` says whether the resource is there,
 * without failing the plan when it (or its resource group) is not.
 */
export class DataAzapiResourceExistence extends TerraformDataSource {
  private readonly config: DataAzapiResourceConfig;

  constructor(scope: Construct, id: string, config: DataAzapiResourceConfig) {
    super(scope, id, {
      terraformResourceType: 'azapi_resource',
      terraformGeneratorMetadata: { providerName: 'azapi', providerVersionConstraint: AZAPI_VERSION },
      provider: config.provider,
    });
    this.config = config;
  }

  /** True once the resource exists (read at plan time). */
  get exists(): IResolvable {
    return this.getBooleanAttribute('exists');
  }

  protected override synthesizeAttributes(): Record<string, unknown> {
    return { type: this.config.type, resource_id: this.config.resourceId, ignore_not_found: true };
  }
}
