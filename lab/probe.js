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

/**
 * HTTPS/HTTP GET; `ca` (PEM) verifies the server against that CA, `insecure` skips verification (reported).
 * @param {{type:'http',url:string,timeoutMs?:number,ca?:string,insecure?:boolean,headers?:Record<string,string>}} p
 */
function httpProbe(p) {
  const started = Date.now();
  const url = new URL(p.url);
  const mod = url.protocol === 'https:' ? require('https') : require('http');
  return new Promise((resolve) => {
    const req = mod.get(url, { timeout: p.timeoutMs || 5000, headers: p.headers || {}, ...(p.ca ? { ca: p.ca } : {}), ...(p.insecure ? { rejectUnauthorized: false } : {}) }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { if (body.length < 200000) body += c; });
      res.on('end', () => resolve({ ok: res.statusCode >= 200 && res.statusCode < 300, status: res.statusCode, body, ms: Date.now() - started }));
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
    req.on('error', (e) => resolve({ ok: false, error: e.code || String(e.message), ms: Date.now() - started }));
  });
}

/** Runs a read-only command (e.g. kubectl get ... -o json); ENOENT when the tool is absent. @param {{type:'exec',argv:string[],timeoutMs?:number}} p */
function execProbe(p) {
  const started = Date.now();
  return new Promise((resolve) => {
    require('child_process').execFile(p.argv[0], p.argv.slice(1), { timeout: p.timeoutMs || 15000, maxBuffer: 20 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) resolve({ ok: false, error: error.code === 'ENOENT' ? 'ENOENT' : String(stderr || error.message).trim().slice(0, 300), ms: Date.now() - started });
      else resolve({ ok: true, body: stdout, ms: Date.now() - started });
    });
  });
}

async function runProbes(probes) {
  const run = { dns: dnsProbe, tcp: tcpProbe, http: httpProbe, exec: execProbe };
  return Promise.all(probes.map((p) => run[p.type](p)));
}

module.exports = { runProbes };

if (require.main === module) {
  runProbes(JSON.parse(process.argv[2] || '[]')).then((r) => process.stdout.write(JSON.stringify(r) + '\n'));
}
