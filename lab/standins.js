#!/usr/bin/env node
// Lab stand-ins for the Azure side's services: plain TCP listeners (private endpoints, the process server) and
// small HTTPS servers (API server /readyz behind its internal LB, Prometheus behind the ingress). They only
// answer what `npm run verify` asks; they are test doubles, not emulations of those services.
'use strict';
const net = require('net');
const https = require('https');
const fs = require('fs');

const config = JSON.parse(process.argv[2]);
for (const [host, port] of config.tcp || []) net.createServer((s) => s.end()).listen(port, host);
if (config.https) {
  const tls = { key: fs.readFileSync(config.https.key), cert: fs.readFileSync(config.https.cert) };
  for (const [host, port] of config.https.listen) {
    https.createServer(tls, (req, res) => {
      if (req.url === '/readyz') return res.end('ok');
      if (req.url.startsWith('/api/v1/targets')) {
        res.setHeader('content-type', 'application/json');
        return res.end(JSON.stringify({ status: 'success', data: { activeTargets: config.https.targets } }));
      }
      res.statusCode = 404;
      res.end();
    }).listen(port, host);
  }
}
