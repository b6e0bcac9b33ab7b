/**
 * zod schemas of HTTP inputs (STYLE.md 5.5): admin request bodies, path parameters and query
 * strings. Each parses text into typed values (TAU addresses to bytes, hex to bytes, decimal
 * strings to integers); a failure is a ZodError, which the error handler answers with 400 and the
 * issue list.
 */
import { base58btc } from 'multiformats/bases/base58'
import { fromHex } from 'multiformats/bytes'
import { z } from 'zod'
import { MAX_SETTLEMENT_TX_BYTES } from '../../accounting/settlement-tx.js'
import { parseTauAddress } from '../../protocol/tau-address.js'
import { MAX_PEER_ID_BYTES, MAX_PEER_SIGNATURE_BYTES } from '../../protocol/peer-binding-codec.js'
import { TAU_SIGNATURE_BYTES } from '../../protocol/tau-signature.js'
import type { PeerBinding } from '../../protocol/peer-binding-codec.js'

/** Most accounts one `GET /admin/accounts` page returns. */
export const MAX_ACCOUNTS_PAGE = 1000
/** Accounts per page when `limit` is not given. */
export const DEFAULT_ACCOUNTS_PAGE = 100

/** A TAU address in text form, parsed to its 20 bytes. */
export const tauAddressText = z.string().max(64).transform((text, ctx) => {
  try {
    return parseTauAddress(text)
  } catch (err: unknown) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message })
    return z.NEVER
  }
})

/** Lower- or upper-case hex of `min..max` bytes, parsed to bytes. */
export function hexBytes (min: number, max: number = min): z.ZodType<Uint8Array, string> {
  // the length bound first (it aborts the chain), so an oversized string never reaches the regex
  return z.string()
    .min(2 * min, { error: min === max ? `expected ${min} bytes` : `expected ${min}..${max} bytes` })
    .max(2 * max, { error: min === max ? `expected ${min} bytes` : `expected ${min}..${max} bytes`, abort: true })
    .regex(/^([0-9a-fA-F]{2})*$/, { error: 'expected hex' })
    .transform((s) => fromHex(s.toLowerCase()))
}

/** A non-negative safe integer written in decimal (path and query parameters are text). */
export const decimalInt = z.string().regex(/^(0|[1-9][0-9]{0,15})$/, { error: 'expected a non-negative decimal integer' })
  .transform(Number)
  .refine(Number.isSafeInteger, { error: 'too large' })

/** `GET /admin/accounts?after=ADDR&limit=N` */
export const accountsQuery = z.object({
  after: tauAddressText.optional(),
  limit: decimalInt.pipe(z.number().min(1).max(MAX_ACCOUNTS_PAGE)).optional()
})

/** `GET /admin/accounts/:address/statement?fromMs&toMs` (defaults: everything up to now). */
export const statementQuery = z.object({
  fromMs: decimalInt.optional(),
  toMs: decimalInt.optional()
})

/** `POST /admin/accounts/credit`: a signed settlement transaction, DAG-CBOR as hex. */
export const creditBody = z.strictObject({
  tx: hexBytes(1, MAX_SETTLEMENT_TX_BYTES)
})

/** `POST /admin/policy`: a policy document in its JSON form; unsigned ones are signed by the relay. */
export const publishPolicyBody = z.strictObject({
  policy: z.record(z.string(), z.unknown())
})

const timeMs = z.int().min(0).max(Number.MAX_SAFE_INTEGER)

/** `PUT /admin/bindings`: a signed peer binding in JSON form (as in a policy document). */
export const bindingBody = z.strictObject({
  tau: tauAddressText,
  /** base58btc peer id, as libp2p prints it. */
  peer: z.string().max(128).transform((text, ctx) => {
    try {
      const bytes = base58btc.baseDecode(text)
      if (bytes.length <= MAX_PEER_ID_BYTES) return bytes
    } catch {}
    ctx.addIssue({ code: 'custom', message: 'not a base58btc peer id' })
    return z.NEVER
  }),
  issuedAtMs: timeMs,
  expiresAtMs: timeMs,
  peerSig: hexBytes(1, MAX_PEER_SIGNATURE_BYTES),
  tauSig: hexBytes(TAU_SIGNATURE_BYTES)
}).transform((b): PeerBinding => b)

/** `DELETE /admin/bindings/:peer` */
export const peerParam = z.string().max(128).transform((text, ctx) => {
  try {
    return base58btc.baseDecode(text)
  } catch {
    ctx.addIssue({ code: 'custom', message: 'not a base58btc peer id' })
    return z.NEVER
  }
})
