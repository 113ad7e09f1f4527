import { inputError } from '../errors.js'

/** One `-----BEGIN X-----` ... `-----END X-----` block, kept whole for node:crypto to decode. */
export interface PemBlock {
  label: string
  text: string
}

// Only finds the armour lines; decoding the base64 and the DER inside is node:crypto's job.
const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g

/** Splits PEM text into its blocks, in order. Text around the blocks (openssl's `Bag Attributes`) is ignored. */
export function pemBlocks(text: string, name: string): PemBlock[] {
  const blocks = [...text.matchAll(BLOCK)].map((match) => ({ label: match[1] ?? '', text: `${match[0]}\n` }))
  if (blocks.length === 0) throw inputError(`${name} holds no PEM block (-----BEGIN ...-----)`)
  return blocks
}
