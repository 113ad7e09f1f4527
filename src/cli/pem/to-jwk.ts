import { createHash, createPrivateKey, createPublicKey, type KeyObject, X509Certificate } from 'node:crypto'
import { inputError } from '../errors.js'
import type { JwkObject } from '../jwk-input.js'
import { type PemBlock, pemBlocks } from './blocks.js'

/** PEM labels of private keys: PKCS#8, PKCS#1 (RSA) and SEC1 (EC). */
const PRIVATE_LABELS = new Set(['PRIVATE KEY', 'RSA PRIVATE KEY', 'EC PRIVATE KEY'])
/** PEM labels of public keys: SPKI and PKCS#1 (RSA). */
const PUBLIC_LABELS = new Set(['PUBLIC KEY', 'RSA PUBLIC KEY'])
const CERTIFICATE_LABEL = 'CERTIFICATE'
/** `openssl ecparam -genkey` writes the curve parameters before the key; the key names its curve anyway. */
const IGNORED_LABELS = new Set(['EC PARAMETERS'])

/** Curves of docs/verifier.md#verification-policy algorithms; other curves (secp256k1, Ed448, X25519) have no place in a JWKS here. */
const SUPPORTED_CURVES = new Set(['P-256', 'P-384', 'P-521', 'Ed25519'])

/** RSA keys below this size are refused by our verifier (docs/verifier.md#verification-policy: ERR_KEY_UNUSABLE). */
const MIN_RSA_BITS = 2048

/** A key read from PEM, as a JWK without `kid`/`alg`/`use` (the command adds those). */
export interface PemKey {
  /** The key as read: private members included when it is a private key. */
  jwk: JwkObject
  /** Its public half, derived by node:crypto (equal to `jwk` for a public key). */
  publicJwk: JwkObject
  isPrivate: boolean
  /** Things the user should know that do not stop the conversion. */
  warnings: string[]
}

/**
 * Converts PEM text to a JWK with node:crypto: a private key (PKCS#8, PKCS#1 `RSA PRIVATE KEY`,
 * SEC1 `EC PRIVATE KEY`), a public key (SPKI, PKCS#1 `RSA PUBLIC KEY`), or X.509 certificates.
 *
 * Certificates give the leaf's public key with `x5c` (the chain, leaf first, RFC 7517 §4.7) and
 * `x5t#S256`. A private key followed by its certificate chain (as in many `.pem` bundles) gives
 * the private JWK with the same `x5c`, after checking the certificate is for that key.
 */
export function pemToJwk(text: string, name: string): PemKey {
  const blocks = pemBlocks(text, name).filter((block) => !IGNORED_LABELS.has(block.label))
  const certificates = blocks.filter((block) => block.label === CERTIFICATE_LABEL)
  const keys = blocks.filter((block) => block.label !== CERTIFICATE_LABEL)
  for (const block of keys) {
    if (block.label === 'ENCRYPTED PRIVATE KEY')
      throw inputError(
        `${name} holds an encrypted private key; decrypt it first (openssl pkey -in FILE -out plain.pem)`,
      )
    if (!PRIVATE_LABELS.has(block.label) && !PUBLIC_LABELS.has(block.label))
      throw inputError(`${name}: unsupported PEM block "${block.label}"`)
  }
  if (keys.length > 1) throw inputError(`${name} holds ${keys.length} keys; give one key per file`)

  const chain = certificates.map((block, index) =>
    readCertificate(block, `${name}: certificate #${index + 1}`),
  )
  checkChainOrder(chain, name)
  const [keyBlock] = keys
  const [leaf] = chain
  const isPrivate = keyBlock !== undefined && PRIVATE_LABELS.has(keyBlock.label)
  let key: KeyObject
  if (keyBlock !== undefined) key = readKey(keyBlock, isPrivate, name)
  else if (leaf !== undefined) key = leaf.publicKey
  else throw inputError(`${name} holds no key`)
  if (leaf !== undefined && keyBlock !== undefined && !sameKey(leaf.publicKey, key))
    throw inputError(`${name}: the certificate is not for the key in the same file`)

  const jwk = exportJwk(key, name)
  const publicJwk = isPrivate ? exportJwk(createPublicKey(key), name) : { ...jwk }
  const warnings: string[] = []
  const bits = key.asymmetricKeyDetails?.modulusLength
  if (bits !== undefined && bits < MIN_RSA_BITS)
    warnings.push(
      `${name}: a ${bits}-bit RSA key; verifiers (ours included) refuse RSA keys under ${MIN_RSA_BITS} bits`,
    )
  if (leaf !== undefined) {
    const x5c = chain.map((certificate) => certificate.raw.toString('base64'))
    const x5tS256 = createHash('sha256').update(leaf.raw).digest('base64url')
    for (const target of [jwk, publicJwk]) Object.assign(target, { x5c, 'x5t#S256': x5tS256 })
  }
  return { jwk, publicJwk, isPrivate, warnings }
}

/** The `Proc-Type` header of a PEM block encrypted the pre-PKCS#8 way (`openssl rsa -aes256`). */
const LEGACY_ENCRYPTED = /^Proc-Type: *4, *ENCRYPTED\s*$/m

function readKey(block: PemBlock, isPrivate: boolean, name: string): KeyObject {
  try {
    return isPrivate ? createPrivateKey(block.text) : createPublicKey(block.text)
  } catch {
    // OpenSSL's text ("DECODER routines::unsupported") helps nobody; the label and the file do.
    // A legacy encrypted key (RFC 1421 §4.6.1.1) says so in its own header, not in OpenSSL's text.
    const encrypted = LEGACY_ENCRYPTED.test(block.text)
    throw inputError(
      encrypted
        ? `${name} holds an encrypted private key; decrypt it first (openssl pkey -in FILE -out plain.pem)`
        : `${name}: the "${block.label}" block is corrupt or not a key of that kind`,
    )
  }
}

function readCertificate(block: PemBlock, what: string): X509Certificate {
  try {
    return new X509Certificate(block.text)
  } catch {
    throw inputError(`${what} is corrupt`)
  }
}

/** `x5c` is leaf first, each certificate issued by the next (RFC 7517 §4.7); a shuffled bundle is refused. */
function checkChainOrder(chain: readonly X509Certificate[], name: string): void {
  for (let i = 0; i + 1 < chain.length; i++) {
    if (!chain[i]!.checkIssued(chain[i + 1]!))
      throw inputError(
        `${name}: certificate #${i + 1} is not issued by certificate #${i + 2}; order them leaf first`,
      )
  }
}

function sameKey(publicKey: KeyObject, key: KeyObject): boolean {
  const spki = (k: KeyObject): Buffer =>
    (k.type === 'private' ? createPublicKey(k) : k).export({ type: 'spki', format: 'der' })
  return spki(publicKey).equals(spki(key))
}

function exportJwk(key: KeyObject, name: string): JwkObject {
  let jwk: JwkObject
  try {
    jwk = key.export({ format: 'jwk' }) as JwkObject
  } catch {
    throw inputError(
      `${name}: a ${key.asymmetricKeyType ?? 'unknown'} key has no JWK form here (RSA, EC or Ed25519 only)`,
    )
  }
  if (jwk.kty !== 'RSA' && !SUPPORTED_CURVES.has(String(jwk.crv)))
    throw inputError(
      `${name}: curve ${String(jwk.crv)} is not used by any supported algorithm (P-256, P-384, P-521, Ed25519)`,
    )
  return jwk
}
