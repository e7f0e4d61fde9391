import { table } from './markdown';
import { expectedAnswer, HandoffModel } from './model';

export function hostsFallback(m: HandoffModel): string {
  const exact = m.names.filter((n) => n.ip);
  const unknown = m.names.filter((n) => !n.ip);
  return [
    `# Hosts-file fallback for ${m.environment}: LAST RESORT ONLY.`,
    '#',
    '# Use the conditional forwarders (conditional-forwarders.md) instead. Hosts entries:',
    '#  - are per machine: every new client, every reimaged server must be edited by hand;',
    '#  - never follow changes: a recreated private endpoint with another address silently breaks them;',
    '#  - cannot cover names that only exist after deployment (the Site Recovery endpoint creates five names that',
    '#    contain the vault id), so replication still fails on a machine that relies on this file;',
    '#  - hide the real problem: a host that works only through this file has broken DNS.',
    '# Acceptable only for a single test machine, or to bridge hours until the forwarders are in place.',
    '#',
    ...exact.map((n) => `${n.ip!.padEnd(15)} ${n.fqdn}`),
    ...unknown.map((n) => `# (no fixed address at synth) ${n.fqdn}: ${n.note ?? expectedAnswer(n)}`),
    '',
  ].join('\n');
}

export function firewallMarkdown(m: HandoffModel): string {
  return [
    `# On-premises firewall rules for ${m.environment}`,
    '',
    'Allow these flows on every firewall between the on-premises machines and the VPN device. The Azure side',
    '(NSGs) already allows its part; a missing rule here shows up as timeouts (DNS) or stalled replication (9443).',
    '',
    table(['Source', 'Destination', 'Protocol', 'Port(s)', 'Purpose'], m.firewall.map((r) => [r.source, r.destination, r.protocol, r.ports, r.purpose])),
    '## Allowed on the Azure side by this stack (for reference)',
    '',
    table(['NSG (VNet/subnet)', 'Rule', 'Protocol', 'Port(s)', 'Sources', 'Destinations'], m.nsgAllows.map((a) => [`${a.vnet}/${a.subnet}`, a.name, a.protocol, a.ports.join(', '), a.sources.join(', '), (a.destinations ?? ['subnet']).join(', ')])),
  ].join('\n');
}

export function runbook(m: HandoffModel): string {
  const ip = m.plan.inboundIp;
  const asr = m.firewall.filter((r) => /9443|process server/.test(r.purpose) && r.protocol === 'TCP');
  const lines = [
    `# Post-cut-over checks for ${m.environment}`,
    '',
    'Run in order; each step names the answer you must see and what a different answer means.',
    `Automated: \`npm run verify -- --env ${m.environment} --from client\` (or \`dns\`, \`appliance\`, \`agent\`) runs these checks and prints each failure with the hint below (docs/dns.md).`,
    '',
    '## 1. The resolver answers over the VPN (from an on-premises DNS server)',
    '',
    table(
      ['Command', 'Expected answer'],
      m.names.map((n) => [`nslookup ${n.fqdn} ${ip}`, n.ip ? `Address: ${n.ip}` : expectedAnswer(n)]),
    ),
    '- **Timeout**: the tunnel is down, or UDP/TCP 53 to ' + `${ip} is blocked (see firewall-rules.md). Field failure 2.`,
    '- **A public address**: the privatelink zone is not linked to the resolver VNet. Field failure 1; the config validator should have refused it.',
    '',
    '## 2. On-premises clients resolve through their own DNS (from a client)',
    '',
    table(['Command', 'Expected answer'], m.names.map((n) => [`nslookup ${n.fqdn}`, n.ip ? `Address: ${n.ip}` : expectedAnswer(n)])),
    '- **Public address here but a private one in step 1**: the conditional forwarders are missing or wrong (conditional-forwarders.md).',
    '',
    '## 3. The services answer on their ports',
    '',
    table(
      ['Windows', 'Linux', 'Expected'],
      m.names.filter((n) => n.ip).flatMap((n) => n.ports.map((p) => [`Test-NetConnection ${n.fqdn} -Port ${p}`, `nc -vz ${n.fqdn} ${p}`, 'TcpTestSucceeded : True / succeeded'])),
    ),
  ];
  if (asr.length > 0) {
    const ps = asr[0]!.destination;
    const port = asr.find((r) => /data/.test(r.purpose))?.ports ?? '9443';
    lines.push(
      '## 4. Site Recovery replication paths',
      '',
      table(
        ['Where', 'Command', 'Expected'],
        [
          ['process server (Windows appliance)', `Get-NetTCPConnection -LocalPort ${port} -State Listen`, `a Listen entry on port ${port}`],
          ['process server (Windows appliance)', `netstat -ano | findstr :${port}`, 'ESTABLISHED connections from the replicated machines once replication starts'],
          ['process server (Linux)', `ss -ntlp | grep ${port}`, `a LISTEN socket on :${port}`],
          ['process server (Linux)', `ss -tuna | grep ${port}`, 'ESTAB connections from the replicated machines once replication starts'],
          ['replicated machine (Windows)', `Test-NetConnection ${ps} -Port ${port}`, 'TcpTestSucceeded : True'],
          ['replicated machine (Linux)', `nc -vz ${ps} ${port}`, 'succeeded / open'],
          ['replicated machine', `telnet ${ps} 443`, 'Connected'],
          ['process server', `nslookup <cache account>.blob.core.windows.net`, 'the cache storage endpoint address (step 1)'],
        ],
      ),
      `- **Connection refused/timeout on ${port}**: a firewall between the machines and the process server blocks it. Field failure 3.`,
      '',
      ...churnMeasurement(),
    );
  }
  if (m.plan.rules.length > 0) {
    lines.push(
      '## 5. Azure resolves on-premises names (from a VM in a spoke, e.g. a cluster node)',
      '',
      table(['Command', 'Expected'], m.plan.rules.map((r) => [`nslookup <host>.${r.domain.slice(0, -1)}`, `the on-premises answer, served by ${r.targets.join(' or ')}`])),
    );
  }
  return lines.join('\n');
}

/**
 * Before replication is enabled: the measurements the churn advisor (`npm run churn`, docs/migration.md) needs
 * from every source server. High-churn disks fail replication ("High churn issue limit") long after cut-over
 * planning, so they are measured first.
 */
function churnMeasurement(): string[] {
  return [
    '### Before enabling replication: measure each source server\'s disk churn',
    '',
    'Site Recovery stops replicating a disk that writes faster than its replica disk type takes (Standard: 2 MB/s). Run on every source server during a busy period (the commands below take 20 minutes to 3 hours; a whole business day is better), and send the files back unchanged. `npm run churn -- <files>` in the infrastructure repository turns them into a replica disk type per disk and the process server / cache storage capacity (docs/migration.md).',
    '',
    table(
      ['Source server', 'Command', 'Send back'],
      // Code spans: the commands hold `*` and `\` that Markdown would otherwise take as emphasis and escapes.
      [
        ['Linux with sysstat', '`iostat -dx 600 3 > "$(hostname).iostat"`', 'the whole file: banner, all three reports (the first covers the time since boot and is ignored)'],
        ['Linux without sysstat', '`{ echo "# host: $(hostname)"; for i in 1 2 3 4; do date +%s.%N; cat /proc/diskstats; if [ "$i" -lt 4 ]; then sleep 600; fi; done; } > "$(hostname).diskstats"`', 'the whole file (timestamps and all rows)'],
        ['Windows', '`typeperf "\\PhysicalDisk(*)\\Disk Write Bytes/sec" "\\PhysicalDisk(*)\\Avg. Disk Bytes/Write" -si 60 -sc 180 -f CSV -o "%COMPUTERNAME%-churn.csv"`', 'the CSV file'],
      ],
    ),
    '- Say which servers run a database (MySQL, MariaDB, PostgreSQL, SQL Server, Oracle): a busy database is usually better moved with the database migration service or native replication than replicated disk by disk.',
    '- Say which disks hold only scratch or temporary data: they can be excluded from replication.',
    '',
  ];
}
