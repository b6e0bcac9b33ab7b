/**
 * Proves the data directory and key files: first start generates every key with mode 0600 in a
 * 0700 folder, a restart reads the same identity back (TAU address, peer id, token), key files
 * readable by other users are refused by name, existing keys are never overwritten, TAU key files
 * parse in both forms (JSON with a checked address, bare hex), and a locked ledger is reported as
 * LedgerLockedError.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { toHex } from 'multiformats/bytes'
import { formatTauAddress, tauAddressFromPrivateKey } from '../../protocol/tau-address.js'
import { dataDirPaths, ensureDataDir, openDataDir, openLedger } from '../../relay/data-dir.js'
import { generateTauPrivateKey, readAdminTokenFile, readTauKeyFile, writeTauKeyFile } from '../../relay/keys.js'

describe('data directory and keys', () => {
  let root: string
  before(async () => { root = await mkdtemp(join(tmpdir(), 'tau-datadir-')) })
  after(async () => { await rm(root, { recursive: true, force: true }) })

  it('generates every key on first start, 0600 in a 0700 folder, and reads the same identity back', async () => {
    const dir = join(root, 'a')
    const first = await ensureDataDir(dir)
    const paths = dataDirPaths(dir)
    assert.deepEqual(first.generated, [paths.tauKey, paths.libp2pKey, paths.adminToken])
    for (const file of [paths.tauKey, paths.libp2pKey, paths.adminToken]) {
      assert.equal((await stat(file)).mode & 0o777, 0o600, file)
    }
    assert.equal((await stat(dir)).mode & 0o777, 0o700)
    assert.equal((await stat(join(dir, 'keys'))).mode & 0o777, 0o700)
    assert.match(first.adminToken, /^[A-Za-z0-9_-]{43}$/)

    const second = await ensureDataDir(dir)
    assert.deepEqual(second.generated, [])
    assert.equal(toHex(second.tauAddress), toHex(first.tauAddress))
    assert.equal(peerIdFromPrivateKey(second.libp2pKey).toString(), peerIdFromPrivateKey(first.libp2pKey).toString())
    assert.equal(second.libp2pKey.type, 'Ed25519')
    assert.equal(second.adminToken, first.adminToken)
    const opened = await openDataDir(dir)
    assert.equal(toHex(opened.tauPrivateKey), toHex(first.tauPrivateKey))
  })

  it('refuses key and token files other users may read', async () => {
    const dir = join(root, 'b')
    await ensureDataDir(dir)
    const paths = dataDirPaths(dir)
    await chmod(paths.tauKey, 0o644)
    await assert.rejects(ensureDataDir(dir), { name: 'KeyFilePermissionError', path: paths.tauKey, mode: 0o644 })
    await chmod(paths.tauKey, 0o600)
    await chmod(paths.libp2pKey, 0o640)
    await assert.rejects(openDataDir(dir), { name: 'KeyFilePermissionError', path: paths.libp2pKey })
    await chmod(paths.libp2pKey, 0o600)
    await chmod(paths.adminToken, 0o604)
    await assert.rejects(ensureDataDir(dir), { name: 'KeyFilePermissionError', path: paths.adminToken })
  })

  it('does not generate a configured admin token, and refuses a short one', async () => {
    const dir = join(root, 'c')
    const tokenFile = join(root, 'c-token')
    await assert.rejects(ensureDataDir(dir, { adminTokenFile: tokenFile }), { code: 'ENOENT' })
    await writeFile(tokenFile, 'short\n', { mode: 0o600 })
    await assert.rejects(readAdminTokenFile(tokenFile), { name: 'InvalidKeyFileError' })
    await writeFile(tokenFile, 'a-long-enough-operator-chosen-token\n', { mode: 0o600 })
    assert.equal((await ensureDataDir(dir, { adminTokenFile: tokenFile })).adminToken, 'a-long-enough-operator-chosen-token')
  })

  it('writes TAU key files once and reads the JSON and hex forms, checking the address', async () => {
    const key = generateTauPrivateKey()
    const path = join(root, 'payer.key')
    const address = await writeTauKeyFile(path, key)
    assert.equal(address, formatTauAddress(tauAddressFromPrivateKey(key)))
    assert.equal((await stat(path)).mode & 0o777, 0o600)
    assert.deepEqual(JSON.parse(await readFile(path, 'utf8')), { type: 'tau-secp256k1', address, privateKey: toHex(key) })
    assert.equal(toHex(await readTauKeyFile(path)), toHex(key))
    await assert.rejects(writeTauKeyFile(path, generateTauPrivateKey()), { name: 'FileExistsError', path })

    const hexPath = join(root, 'hex.key')
    await writeFile(hexPath, `0x${toHex(key)}\n`, { mode: 0o600 })
    assert.equal(toHex(await readTauKeyFile(hexPath)), toHex(key))

    const lying = join(root, 'lying.key')
    const other = formatTauAddress(tauAddressFromPrivateKey(generateTauPrivateKey()))
    await writeFile(lying, JSON.stringify({ type: 'tau-secp256k1', address: other, privateKey: toHex(key) }), { mode: 0o600 })
    await assert.rejects(readTauKeyFile(lying), { name: 'InvalidKeyFileError', path: lying })
    const zero = join(root, 'zero.key')
    await writeFile(zero, '00'.repeat(32), { mode: 0o600 })
    await assert.rejects(readTauKeyFile(zero), { name: 'InvalidKeyFileError' })
  })

  it('reports an open ledger as locked to a second opener', async () => {
    const dir = join(root, 'd')
    const { paths } = await ensureDataDir(dir)
    const ledger = await openLedger(paths.ledger)
    try {
      await assert.rejects(openLedger(paths.ledger), { name: 'LedgerLockedError', path: paths.ledger })
    } finally {
      await ledger.stop()
    }
    await (await openLedger(paths.ledger)).stop()
  })
})
