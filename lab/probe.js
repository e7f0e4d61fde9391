#!/usr/bin/env node
// Runs network probes and prints one JSON result per probe: DNS lookups against a given server (or the
// system's) and TCP connects (optionally from a given source address). Plain JavaScript with no dependencies so
// that it runs unchanged inside a lab namespace (`ip netns exec <ns> node lab/probe.js '<json>'`), on an
// on-premises host or on a pipeline agent. Used by `npm run lab` and `npm run verify` (lab/checks.ts).
'use strict';
const dns = require('dns');
const net = require('net');

/** @param {{type:'dns',name:string,server?:string,timeoutMs?:number}} p */
async function dnsProbe(p) {
  const started = Date.now();
  const resolver = new dns.promises.Resolver({ timeout: p.timeoutMs || 3000, tries: 1 });
  if (p.server) resolver.setServers([p.server]);
  try {
    const addresses = await resolver.resolve4(p.name);
    return { ok: true, addresses, ms: Date.now() - started };
  } catch (e) {
    return { ok: false, error: e.code || String(e.message), ms: Date.now() - started };
  }
}

/** @param {{type:'tcp',host:string,port:number,localAddress?:string,timeoutMs?:number}} p */
function tcpProbe(p) {
  const started = Date.now();
  return new Promise((resolve) => {
    const socket = net.connect({ host: p.host, port: p.port, localAddress: p.localAddress });
    const done = (result) => { socket.destroy(); resolve({ ...result, ms: Date.now() - started }); };
    socket.setTimeout(p.timeoutMs || 3000, () => done({ ok: false, error: 'ETIMEDOUT' }));
    socket.on('connect', () => done({ ok: true }));
    socket.on('error', (e) => done({ ok: false, error: e.code || String(e.message) }));
  });
}

/** @param {{type:'http',url:string,timeoutMs?:number,insecure?:boolean,headers?:Record<string,string>}} p */
async function httpProbe(p) {
  const started = Date.now();
  try {
    const res = await fetch(p.url, { signal: AbortSignal.timeout(p.timeoutMs || 5000), headers: p.headers || {} });
    const body = (await res.text()).slice(0, 20000);
    return { ok: res.ok, status: res.status, body, ms: Date.now() - started };
  } catch (e) {
    return { ok: false, error: (e.cause && e.cause.code) || e.name || String(e.message), ms: Date.now() - started };
  }
}

async function runProbes(probes) {
  return Promise.all(probes.map((p) => (p.type === 'dns' ? dnsProbe(p) : p.type === 'tcp' ? tcpProbe(p) : httpProbe(p))));
}

module.exports = { runProbes };

if (require.main === module) {
  runProbes(JSON.parse(process.argv[2] || '[]')).then((r) => process.stdout.write(JSON.stringify(r) + '\n'));
}
