// Proves byte-for-byte compatibility with the Filecoin HAMT: the root CIDs (and block read/write
// counts) that ref-fvm's fvm_ipld_hamt test suite hard-codes, at bitWidth 1, 5, 6, 7 and 8 and with
// the identity hash. Provenance of every vector: test/fixtures/hamt/README.md.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { CID } from 'multiformats/cid'
import { Hamt } from '../../../../protocol/hamt/hamt.js'
import { HAMT_EMPTY_ROOT } from '../../../../protocol/hamt/types.js'
import { bytes, CountingStore, varintKey } from './hamt-helpers.js'
import type { HamtOptions } from '../../../../protocol/hamt/types.js'

/** ref-fvm's `Config::default()` bit width, used by every `factory.new(...)` case. */
const REF_FVM_DEFAULT = { bitWidth: 8 }

async function rootOf (entries: Array<[Uint8Array, unknown]>, options: HamtOptions, store = new CountingStore()): Promise<string> {
  const hamt = await Hamt.create(store, options)
  for (const [key, value] of entries) await hamt.set(key, value)
  return (await hamt.flush()).toString()
}

describe('ref-fvm hamt_tests.rs known answers', () => {
  it('reload_empty: the empty map is 824080 = bafy2bzaceamp42…', async () => {
    const store = new CountingStore()
    assert.equal(await rootOf([], REF_FVM_DEFAULT, store), HAMT_EMPTY_ROOT.toString())
    assert.equal(HAMT_EMPTY_ROOT.toString(), 'bafy2bzaceamp42wmmgr2g2ymg46euououzfyck7szknvfacqscohrvaikwfay')
    assert.deepEqual(await store.get(HAMT_EMPTY_ROOT), new Uint8Array([0x82, 0x40, 0x80]))
  })

  it('test_set_if_absent (bitWidth 8): one entry, r 1 / w 1', async () => {
    const store = new CountingStore()
    const root = await rootOf([[bytes('favorite-animal'), bytes('owl bear')]], REF_FVM_DEFAULT, store)
    assert.equal(root, 'bafy2bzaced2tgnlsq4n2ioe6ldy75fw3vlrrkyfv4bq6didbwoob2552zvpuk')
    const loaded = await Hamt.load(store, CID.parse(root), REF_FVM_DEFAULT)
    assert.deepEqual(await loaded.get(bytes('favorite-animal')), bytes('owl bear'))
    assert.deepEqual({ r: store.reads, w: store.writes }, { r: 1, w: 1 })
  })

  it('set_with_no_effect_does_not_put (bitWidth 1): 30 fillers, one more key, then a no-op set; w 18', async () => {
    const store = new CountingStore()
    const hamt = await Hamt.create(store, { bitWidth: 1 })
    for (let i = 0; i < 30; i++) await hamt.set(bytes(i), bytes('filler'))
    assert.equal((await hamt.flush()).toString(), 'bafy2bzacebjilcrsqa4uyxuh36gllup4rlgnvwgeywdm5yqq2ks4jrsj756qq')
    await hamt.set(bytes('favorite-animal'), bytes('bright green bear'))
    assert.equal((await hamt.flush()).toString(), 'bafy2bzacea7biyabzk7v7le2rrlec5tesjbdnymh5sk4lfprxibg4rtudwtku')
    assert.equal(store.writes, 18)
    await hamt.set(bytes('favorite-animal'), bytes('bright green bear'))
    assert.equal((await hamt.flush()).toString(), 'bafy2bzacea7biyabzk7v7le2rrlec5tesjbdnymh5sk4lfprxibg4rtudwtku')
    assert.deepEqual({ r: store.reads, w: store.writes }, { r: 0, w: 18 })
  })

  it('delete (bitWidth 8): three keys, delete one after reload; r 1 / w 2', async () => {
    const store = new CountingStore()
    const root = await rootOf([
      [bytes('foo'), bytes('cat dog bear')], [bytes('bar'), bytes('cat dog')], [bytes('baz'), bytes('cat')]
    ], REF_FVM_DEFAULT, store)
    assert.equal(root, 'bafy2bzacebql36crv4odvxzstx2ubaczmawy2tlljxezvorcsoqeyyojxkrom')
    const reloaded = await Hamt.load(store, CID.parse(root), REF_FVM_DEFAULT)
    assert.equal(await reloaded.delete(bytes('foo')), true)
    assert.equal(await reloaded.get(bytes('foo')), undefined)
    assert.equal((await reloaded.flush()).toString(), 'bafy2bzaced7up7wkm7cirieh5bs4iyula5inrprihmjzozmku3ywvekzzmlyi')
    assert.deepEqual({ r: store.reads, w: store.writes }, { r: 1, w: 2 })
  })

  it('delete_case (bitWidth 8): key [0] → "Test data", deleted back to the empty root; r 1 / w 2', async () => {
    const store = new CountingStore()
    const root = await rootOf([[new Uint8Array([0]), bytes('Test data')]], REF_FVM_DEFAULT, store)
    assert.equal(root, 'bafy2bzaceb2hikcc6tfuuuuehjstbiq356oruwx6ejyse77zupq445unranv6')
    const reloaded = await Hamt.load(store, CID.parse(root), REF_FVM_DEFAULT)
    assert.equal(await reloaded.delete(new Uint8Array([0])), true)
    assert.equal((await reloaded.flush()).toString(), HAMT_EMPTY_ROOT.toString())
    assert.deepEqual({ r: store.reads, w: store.writes }, { r: 1, w: 2 })
  })

  it('set_delete_many / for_each (bitWidth 5): "0".."199", then 400 keys, then back to 200', async () => {
    const store = new CountingStore()
    const hamt = await Hamt.create(store, { bitWidth: 5 })
    for (let i = 0; i < 200; i++) await hamt.set(bytes(i), bytes(i))
    const c1 = (await hamt.flush()).toString()
    assert.equal(c1, 'bafy2bzaceczhz54xmmz3xqnbmvxfbaty3qprr6dq7xh5vzwqbirlsnbd36z7a')
    assert.equal(store.writes, 30) // for_each: w 30
    for (let i = 200; i < 400; i++) await hamt.set(bytes(i), bytes(i))
    assert.equal((await hamt.flush()).toString(), 'bafy2bzacecxcp736xkl2mcyjlors3tug6vdlbispbzxvb75xlrhthiw2xwxvw')
    for (let i = 200; i < 400; i++) assert.equal(await hamt.delete(bytes(i)), true)
    for (let i = 0; i < 200; i++) assert.deepEqual(await hamt.get(bytes(i)), bytes(i))
    assert.equal((await hamt.flush()).toString(), c1)
    assert.deepEqual({ r: store.reads, w: store.writes }, { r: 0, w: 93 })
  })

  it('for_each (bitWidth 5): a reloaded map walks its 200 entries reading 30 blocks', async () => {
    const store = new CountingStore()
    const hamt = await Hamt.create(store, { bitWidth: 5 })
    for (let i = 0; i < 200; i++) await hamt.set(bytes(i), bytes(i))
    const reloaded = await Hamt.load(store, await hamt.flush(), { bitWidth: 5 })
    for (let pass = 0; pass < 2; pass++) {
      let count = 0
      for await (const [key, value] of reloaded.entries()) {
        assert.deepEqual(key, value)
        count++
      }
      assert.equal(count, 200)
    }
    assert.equal((await reloaded.flush()).toString(), CID.parse('bafy2bzaceczhz54xmmz3xqnbmvxfbaty3qprr6dq7xh5vzwqbirlsnbd36z7a').toString())
    assert.deepEqual({ r: store.reads, w: store.writes }, { r: 30, w: 30 })
  })

  it('clean_child_ordering (bitWidth 5): varint keys 100..194 → 42, delete 104 and 108; r 3 / w 11', async () => {
    const store = new CountingStore()
    const hamt = await Hamt.create(store, { bitWidth: 5 })
    for (let i = 100; i < 195; i++) await hamt.set(varintKey(i), 42)
    const root = await hamt.flush()
    assert.equal(root.toString(), 'bafy2bzacebqox3gtng4ytexyacr6zmaliyins3llnhbnfbcrqmhzuhmuuawqk')
    const reloaded = await Hamt.load(store, root, { bitWidth: 5 })
    await reloaded.delete(varintKey(104))
    await reloaded.delete(varintKey(108))
    const after = await reloaded.flush()
    await Hamt.load(store, after, { bitWidth: 5 })
    assert.equal(after.toString(), 'bafy2bzacedlyeuub3mo4aweqs7zyxrbldsq2u4a2taswubudgupglu2j4eru6')
    assert.deepEqual({ r: store.reads, w: store.writes }, { r: 3, w: 11 })
  })
})

describe('ref-fvm canonical_structure (identity hash): add keys, add and delete extra keys, same root', () => {
  const cases: Array<{ bitWidth: number, keys: string[], extra: string[], root: string }> = [
    { bitWidth: 8, keys: ['K'], extra: ['B'], root: 'bafy2bzacecosy45hp4sz2t4o4flxvntnwjy7yaq43bykci22xycpeuj542lse' },
    { bitWidth: 8, keys: ['K0', 'K1', 'KAA1', 'KAA2', 'KAA3'], extra: ['KAA4'], root: 'bafy2bzaceaqdaj5aqkwugr7wx4to3fahynoqlxuo5j6xznly3khazgyxihkbo' },
    { bitWidth: 5, keys: ['K'], extra: ['B'], root: 'bafy2bzacec3cquclaqkb32cntwtizgij55b7isb4s5hv5hv5ujbbeu6clxkug' },
    { bitWidth: 6, keys: ['K'], extra: ['B'], root: 'bafy2bzacebj7b2jahw7nxmu6mlhkwzucjmfq7aqlj52jusqtufqtaxcma4pdm' },
    { bitWidth: 7, keys: ['K'], extra: ['B'], root: 'bafy2bzacedrwwndijql6lmmtyicjwyehxtgey5fhzocc43hrzhetrz25v2k2y' },
    { bitWidth: 5, keys: ['K0', 'K1', 'KAA1', 'KAA2', 'KAA3'], extra: ['KAA4'], root: 'bafy2bzacedbiipe7l7gbtjandyyl6rqlkuqr2im2nl7d4bljidv5mta22rjqk' },
    { bitWidth: 6, keys: ['K0', 'K1', 'KAA1', 'KAA2', 'KAA3'], extra: ['KAA4'], root: 'bafy2bzaceb3c76qlbsiv3baogpao3zah56eqonsowpkof33o5hmncfow4seso' },
    { bitWidth: 7, keys: ['K0', 'K1', 'KAA1', 'KAA2', 'KAA3'], extra: ['KAA4'], root: 'bafy2bzacebhkyrwfexokaoygsx2crydq3fosiyfoa5bthphntmicsco2xf442' }
  ]
  for (const { bitWidth, keys, extra, root } of cases) {
    it(`bitWidth ${bitWidth}, keys ${keys.join(',')} (+${extra.join(',')})`, async () => {
      const options: HamtOptions = { bitWidth, hashAlg: 'identity' }
      const store = new CountingStore()
      const hamt = await Hamt.create(store, options)
      for (const [i, key] of keys.entries()) await hamt.set(bytes(key), bytes(i))
      const first = await hamt.flush()
      assert.equal(first.toString(), root)
      for (const key of extra) await hamt.set(bytes(key), bytes(0))
      for (const key of extra) assert.equal(await hamt.delete(bytes(key)), true)
      assert.equal((await hamt.flush()).toString(), root)
      const reloaded = await Hamt.load(store, first, options)
      for (const [i, key] of keys.entries()) assert.deepEqual(await reloaded.get(bytes(key)), bytes(i))
    })
  }
})
