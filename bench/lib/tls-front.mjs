// An HTTPS front for the local issuer: aws-jwt-verify's own fetcher speaks `https:` only, and it
// is measured with that fetcher (its timeouts and retry included), trusting a throw-away
// certificate through its documented `defaultRequestOptions`. Every request is forwarded to the
// issuer (which counts it); a refused upstream connection drops the client's, a silent one stays silent.
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { request } from 'node:http'
import { createServer } from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

async function selfSigned() {
  const dir = await mkdtemp(join(tmpdir(), 'jwks-gateway-bench-tls-'))
  try {
    await run(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { timeout: 15_000 },
    )
    return { key: await readFile(join(dir, 'key.pem')), cert: await readFile(join(dir, 'cert.pem')) }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

/** Starts `https://127.0.0.1:<port>` forwarding to `upstream` (an http origin). */
export async function startTlsFront(upstream) {
  const { key, cert } = await selfSigned()
  const target = new URL(upstream)
  const server = createServer({ key, cert }, (req, res) => {
    const forward = request(
      { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers)
        answer.pipe(res)
      },
    )
    forward.on('error', () => req.socket.destroy())
    res.on('close', () => forward.destroy())
    req.pipe(forward)
  })
  await new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', resolve)
  })
  return {
    url: `https://127.0.0.1:${server.address().port}`,
    ca: cert,
    async close() {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    },
  }
}
