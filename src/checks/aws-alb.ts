import type { JWSHeaderParameters } from 'jose'
import { JwtAuthError } from '../errors.js'

/**
 * What an AWS Application Load Balancer's `x-amzn-oidc-data` token is, beyond an ES256 JWT:
 * its header names the load balancer that signed it (`signer`, an ARN) and the IdP client
 * (`client`); its kid is a UUID whose public key the region serves as PEM at `{keysUrl}/{kid}`.
 * The keys are the region's, shared by every load balancer in it, so `signer` is what makes a
 * token yours (docs/SECURITY.md row A1).
 */
export interface AlbRule {
  /** ARNs of the load balancers whose tokens are accepted. */
  readonly signers: readonly string[]
  /** The header's `client` must be one of these, when given. */
  readonly clients: readonly string[] | undefined
  /** Where `{kid}` is appended to fetch one PEM public key. */
  readonly keysUrl: string
}

/** A load balancer ARN; its fourth field is the region whose endpoint serves the keys. */
const ALB_ARN =
  /^arn:(aws|aws-cn|aws-us-gov):elasticloadbalancing:([a-z]{2}(?:-gov)?-[a-z]+-\d):\d{12}:loadbalancer\/app\/[^\s]+$/

/** ALB kids are UUIDs: nothing else is ever fetched from the key endpoint. */
const ALB_KID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

export function isAlbKid(kid: string): boolean {
  return ALB_KID.test(kid)
}

/** The ARN's partition and region, or undefined when it is no application load balancer's ARN. */
export function parseAlbArn(arn: string): { partition: string; region: string } | undefined {
  const match = ALB_ARN.exec(arn)
  return match?.[1] === undefined || match[2] === undefined
    ? undefined
    : { partition: match[1], region: match[2] }
}

/**
 * The key endpoint of a region in the commercial partition. Other partitions publish theirs
 * elsewhere (GovCloud: an S3 bucket), so they must name it.
 */
export function defaultAlbKeysUrl(arn: { partition: string; region: string }): string | undefined {
  return arn.partition === 'aws' ? `https://public-keys.auth.elb.${arn.region}.amazonaws.com` : undefined
}

/**
 * The header rules, checked before any key is fetched (the header is signed: what is read here
 * is what the signature covers, so this only ever refuses). Another load balancer's token is
 * another issuer's; another client's is meant for someone else.
 */
export function assertAlbHeader(header: JWSHeaderParameters, rule: AlbRule): void {
  const { signer, client } = header
  if (typeof signer !== 'string' || !rule.signers.includes(signer))
    throw new JwtAuthError('ERR_ISSUER_UNKNOWN')
  if (rule.clients !== undefined && (typeof client !== 'string' || !rule.clients.includes(client))) {
    throw new JwtAuthError('ERR_AUDIENCE_MISMATCH')
  }
}
