/**
 * Key and token files (DESIGN.md §7): the TAU secp256k1 key, the libp2p Ed25519 key and the admin
 * token. Files are created with mode 0600 and never overwritten; reading one that group or other
 * users may access is refused (ssh's rule for private keys), because anyone who can read a key
 * can sign policies, log heads and statements as the operator.
 */
import { randomBytes } from 'node:crypto'
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { fromHex, toHex } from 'multiformats/bytes'
import { formatTauAddress, parseTauAddress, tauAddressFromPrivateKey } from '../protocol/tau-address.js'
import { tauPrivateKeyFromBytes } from '../protocol/tau-key.js'
import { FileExistsError, InvalidKeyFileError, KeyFilePermissionError } from './errors.js'
import type { PrivateKey } from '@libp2p/interface'

/** Permission bits of key and token files: owner read/write only. */
export const PRIVATE_FILE_MODE = 0o600
/** Permission bits of folders holding key files. */
export const PRIVATE_DIR_MODE = 0o700
/** Bits that must be clear on a key file: any access by group or others. */
const SHARED_ACCESS_BITS = 0o077
/** Random bytes in an admin token: 256 bits, beyond guessing. */
export const ADMIN_TOKEN_BYTES = 32
/** Shortest admin token accepted from a configured file: 128 bits of base64 text, still unguessable. */
export const MIN_ADMIN_TOKEN_LENGTH = 22
/** `type` of the JSON form of a TAU key file. */
export const TAU_KEY_FILE_TYPE = 'tau-secp256k1'
/** Largest key or token file read (the JSON TAU key file is ~150 bytes; a protobuf Ed25519 key 68). */
const MAX_KEY_FILE_BYTES = 4096

/** Writes `data` to a new file with mode 0600, creating its folder with 0700; FileExistsError if present. */
export async function writePrivateFile (path: string, data: Uint8Array | string): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: PRIVATE_DIR_MODE })
  try {
    await writeFile(path, data, { flag: 'wx', mode: PRIVATE_FILE_MODE })
  } catch (err: unknown) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new FileExistsError(path)
    throw err
  }
}

/** Reads a key or token file after checking that only its owner may access it. */
export async function readPrivateFile (path: string): Promise<Buffer> {
  const info = await stat(path)
  // Windows has no POSIX modes: stat reports 0o666 for every writable file
  if (process.platform !== 'win32' && (info.mode & SHARED_ACCESS_BITS) !== 0) {
    throw new KeyFilePermissionError(path, info.mode & 0o777)
  }
  if (info.size > MAX_KEY_FILE_BYTES) throw new InvalidKeyFileError(path, `larger than ${MAX_KEY_FILE_BYTES} bytes`)
  return readFile(path)
}

/** A new random TAU private key. */
export function generateTauPrivateKey (): Uint8Array {
  return secp256k1.utils.randomSecretKey()
}

/** The JSON text of a TAU key file: type, address (for humans and a self-check) and hex key. */
export function tauKeyFileText (privateKey: Uint8Array): string {
  const address = formatTauAddress(tauAddressFromPrivateKey(privateKey))
  return JSON.stringify({ type: TAU_KEY_FILE_TYPE, address, privateKey: toHex(privateKey) }, null, 2) + '\n'
}

/** Writes a new TAU key file (0600); returns the key's address text. */
export async function writeTauKeyFile (path: string, privateKey: Uint8Array): Promise<string> {
  await writePrivateFile(path, tauKeyFileText(tauPrivateKeyFromBytes(privateKey)))
  return formatTauAddress(tauAddressFromPrivateKey(privateKey))
}

function parseHexKey (path: string, text: string): Uint8Array {
  if (!/^(0x)?[0-9a-fA-F]{64}$/.test(text)) throw new InvalidKeyFileError(path, 'expected 64 hex characters')
  try {
    return tauPrivateKeyFromBytes(fromHex(text.replace(/^0x/, '').toLowerCase()))
  } catch (err: unknown) {
    throw new InvalidKeyFileError(path, (err as Error).message)
  }
}

/** Reads a TAU key file: the JSON form (whose address must match the key) or 64 hex characters. */
export async function readTauKeyFile (path: string): Promise<Uint8Array> {
  const text = (await readPrivateFile(path)).toString('utf8').trim()
  if (!text.startsWith('{')) return parseHexKey(path, text)
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    throw new InvalidKeyFileError(path, 'not JSON')
  }
  const { type, address, privateKey } = (json ?? {}) as Record<string, unknown>
  if (type !== TAU_KEY_FILE_TYPE) throw new InvalidKeyFileError(path, `type must be "${TAU_KEY_FILE_TYPE}"`)
  if (typeof privateKey !== 'string') throw new InvalidKeyFileError(path, 'privateKey must be a hex string')
  const key = parseHexKey(path, privateKey)
  if (address !== undefined) {
    // a file edited by hand must not silently sign as another address than it says
    let expected: Uint8Array
    try {
      expected = parseTauAddress(String(address))
    } catch (err: unknown) {
      throw new InvalidKeyFileError(path, `address: ${(err as Error).message}`)
    }
    if (toHex(expected) !== toHex(tauAddressFromPrivateKey(key))) throw new InvalidKeyFileError(path, 'address is not the address of privateKey')
  }
  return key
}

/** A new libp2p Ed25519 private key. */
export async function generateLibp2pKey (): Promise<PrivateKey> {
  return generateKeyPair('Ed25519')
}

/** Writes a new libp2p key file (protobuf-marshalled, 0600). */
export async function writeLibp2pKeyFile (path: string, key: PrivateKey): Promise<void> {
  await writePrivateFile(path, privateKeyToProtobuf(key))
}

/** Reads a libp2p key file (protobuf-marshalled private key). */
export async function readLibp2pKeyFile (path: string): Promise<PrivateKey> {
  const bytes = await readPrivateFile(path)
  try {
    return privateKeyFromProtobuf(new Uint8Array(bytes))
  } catch (err: unknown) {
    throw new InvalidKeyFileError(path, `not a protobuf libp2p private key (${(err as Error).message})`)
  }
}

/** A new admin token: 32 random bytes, base64url (43 characters). */
export function generateAdminToken (): string {
  return randomBytes(ADMIN_TOKEN_BYTES).toString('base64url')
}

/** Reads an admin token file (trimmed); refuses a token shorter than MIN_ADMIN_TOKEN_LENGTH. */
export async function readAdminTokenFile (path: string): Promise<string> {
  const token = (await readPrivateFile(path)).toString('utf8').trim()
  if (token.length < MIN_ADMIN_TOKEN_LENGTH) throw new InvalidKeyFileError(path, `token shorter than ${MIN_ADMIN_TOKEN_LENGTH} characters`)
  return token
}

/** Writes a new admin token file (0600). */
export async function writeAdminTokenFile (path: string, token: string): Promise<void> {
  await writePrivateFile(path, token + '\n')
}
