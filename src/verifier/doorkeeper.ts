/**
 * The verified-token cache's doorkeeper (TinyLFU's, Einziger et al. 2017): a bit set that
 * remembers, approximately, which tokens were seen recently. Once the cache is full, a token
 * is hashed and admitted only from its second sighting on, so a stream of tokens seen once
 * neither costs a SHA-256 each nor evicts the tokens that do come back.
 *
 * It only ever decides whether to look a token up and admit it: lookups stay exact (the
 * SHA-256 of the whole token). A false "seen" (two tokens sharing bits, or crafted to) costs
 * one digest and one lookup; a false "not seen" (bits cleared by a reset) costs one full
 * verification. Neither can make a token verify.
 */
export class Doorkeeper {
  readonly #bits: Uint32Array
  readonly #mask: number
  readonly #resetAfter: number
  #added = 0

  /** Sized for `expectedEntries` tokens between resets (about 16 bits each: ~2% false "seen"). */
  constructor(expectedEntries: number) {
    const bits = nextPowerOfTwo(Math.max(BITS_PER_ENTRY * expectedEntries, MIN_BITS))
    this.#bits = new Uint32Array(bits / 32)
    this.#mask = bits - 1
    this.#resetAfter = Math.max(1, expectedEntries)
  }

  /** Records `token` and tells whether it was (probably) recorded before. */
  seen(token: string): boolean {
    const hash = sketchHash(token)
    const a = hash & this.#mask
    const b = (Math.imul(hash, SECOND_INDEX_MULTIPLIER) >>> 7) & this.#mask
    const before = this.#has(a) && this.#has(b)
    if (!before) {
      this.#set(a)
      this.#set(b)
      if (++this.#added >= this.#resetAfter) this.clear()
    }
    return before
  }

  clear(): void {
    this.#bits.fill(0)
    this.#added = 0
  }

  #has(bit: number): boolean {
    return ((this.#bits[bit >>> 5] ?? 0) & (1 << (bit & 31))) !== 0
  }

  #set(bit: number): void {
    const word = bit >>> 5
    this.#bits[word] = (this.#bits[word] ?? 0) | (1 << (bit & 31))
  }
}

const BITS_PER_ENTRY = 16
const MIN_BITS = 1024
/** Characters hashed, from the end: a signature's tail, where every token differs. */
const SKETCH_CHARACTERS = 32
const FNV_OFFSET = 0x811c9dc5
const FNV_PRIME = 0x01000193
const SECOND_INDEX_MULTIPLIER = 0x9e3779b1

/** FNV-1a over the last characters of the token: cheap, and only ever a hint (see above). */
function sketchHash(token: string): number {
  let hash = FNV_OFFSET
  for (let i = Math.max(0, token.length - SKETCH_CHARACTERS); i < token.length; i++) {
    hash = Math.imul(hash ^ token.charCodeAt(i), FNV_PRIME)
  }
  return hash >>> 0
}

function nextPowerOfTwo(n: number): number {
  let power = 1
  while (power < n) power *= 2
  return power
}
