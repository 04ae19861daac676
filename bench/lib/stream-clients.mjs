// node stream-clients.mjs URL COUNT EXPECTED_BYTES
// COUNT concurrent GETs of URL, each read to the end as fast as it arrives. Prints one JSON line.
import http from 'node:http';

const [url, countText, expectText] = process.argv.slice(2);
const count = Number(countText);
const expect = Number(expectText);

const t0 = performance.now();
let bytes = 0;
const errors = [];

function one() {
  return new Promise((resolve) => {
    let got = 0;
    const req = http.get(url, { agent: false }, (res) => {
      res.on('data', (c) => {
        got += c.length;
      });
      res.on('end', () => {
        bytes += got;
        if (res.statusCode !== 200) errors.push(`HTTP ${res.statusCode}`);
        else if (expect > 0 && got !== expect) errors.push(`got ${got} bytes, expected ${expect}`);
        resolve(res.statusCode === 200 && (expect <= 0 || got === expect));
      });
      res.on('error', (err) => {
        errors.push(String(err.message));
        resolve(false);
      });
    });
    req.setTimeout(300_000, () => req.destroy(new Error('no progress for 300 s')));
    req.on('error', (err) => {
      errors.push(String(err.message));
      resolve(false);
    });
  });
}

const results = await Promise.all(Array.from({ length: count }, one));
const ok = results.filter(Boolean).length;
process.stdout.write(`${JSON.stringify({ ok, failed: count - ok, bytes, ms: performance.now() - t0, errors: [...new Set(errors)].slice(0, 5) })}\n`);
