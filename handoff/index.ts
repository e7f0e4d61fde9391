import * as fs from 'fs';
import * as path from 'path';
import type { LoadedEnvironment } from '../config';
import { bindForwarders, forwardersMarkdown, windowsDnsPowerShell } from './forwarders';
import { firewallMarkdown, hostsFallback, runbook } from './documents';
import { nftablesRuleset, swanctlConf } from './device';
import { HandoffRecordSource } from './extensions';
import { handoffModel, HandoffModel } from './model';

export { registerHandoffRecords, type HandoffRecord, type HandoffRecordSource } from './extensions';
export { handoffModel, type HandoffModel } from './model';

/** File names under `<outdir>/handoff/<env>/`. */
export const HANDOFF_FILES = {
  forwarders: 'conditional-forwarders.md',
  powershell: 'windows-dns-forwarders.ps1',
  bind: 'named.conf.azure-forwarders',
  hosts: 'hosts-fallback.txt',
  firewall: 'firewall-rules.md',
  runbook: 'post-cutover-runbook.md',
  /** strongSwan configuration of the on-premises VPN device (PSK included from a separate file). */
  swanctl: 'swanctl.conf',
  /** firewall-rules.md as an nftables ruleset. */
  nftables: 'firewall.nft',
  /** Machine-readable: everything above plus the plan (for the policy pack and other tooling). */
  json: 'dns-plan.json',
} as const;

export function renderHandoff(model: HandoffModel): Record<keyof typeof HANDOFF_FILES, string> {
  return {
    forwarders: forwardersMarkdown(model),
    powershell: windowsDnsPowerShell(model),
    bind: bindForwarders(model),
    hosts: hostsFallback(model),
    firewall: firewallMarkdown(model),
    runbook: runbook(model),
    swanctl: swanctlConf(model),
    nftables: nftablesRuleset(model),
    json: JSON.stringify(model, null, 2) + '\n',
  };
}

/**
 * Writes the on-premises handoff of every environment to `<outdir>/handoff/<env>/`: conditional forwarders
 * (table, Windows DNS PowerShell, BIND), hosts-file fallback, firewall rules, post-cut-over runbook and the
 * machine-readable plan. Returns the files written.
 */
export function writeHandoff(outdir: string, environments: ReadonlyArray<LoadedEnvironment>, extra: ReadonlyArray<HandoffRecordSource> = []): string[] {
  const written: string[] = [];
  for (const { config } of environments) {
    const dir = path.join(outdir, 'handoff', config.name);
    fs.mkdirSync(dir, { recursive: true });
    const files = renderHandoff(handoffModel(config, extra));
    for (const [key, file] of Object.entries(HANDOFF_FILES) as Array<[keyof typeof HANDOFF_FILES, string]>) {
      const target = path.join(dir, file);
      fs.writeFileSync(target, files[key]);
      written.push(target);
    }
  }
  return written;
}
