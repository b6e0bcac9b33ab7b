// Proves the unpack's entry check accepts files, folders and links that stay inside the
// destination and refuses, by reason, absolute paths, `..` segments, links resolving outside
// and device or FIFO entries.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { unsafeTarEntry } from '../../../../relay/attachments/tar-safety.js'

describe('unsafeTarEntry', () => {
  it('accepts entries that stay inside', () => {
    assert.equal(unsafeTarEntry('photos/a.jpg', { type: 'File' }), undefined)
    assert.equal(unsafeTarEntry('photos/', { type: 'Directory' }), undefined)
    assert.equal(unsafeTarEntry('photos/latest', { type: 'SymbolicLink', linkpath: 'a.jpg' }), undefined)
    assert.equal(unsafeTarEntry('photos/sub/up', { type: 'SymbolicLink', linkpath: '../a.jpg' }), undefined)
    assert.equal(unsafeTarEntry('photos/copy', { type: 'Link', linkpath: 'photos/a.jpg' }), undefined)
    assert.equal(unsafeTarEntry('a..b/c..', { type: 'File' }), undefined, 'dots inside names are fine')
  })

  it('refuses absolute paths and traversal', () => {
    assert.equal(unsafeTarEntry('/etc/passwd', { type: 'File' })?.reason, 'absolute')
    assert.equal(unsafeTarEntry('C:/x', { type: 'File' })?.reason, 'absolute')
    assert.equal(unsafeTarEntry('../evil', { type: 'File' })?.reason, 'traversal')
    assert.equal(unsafeTarEntry('a/../../evil', { type: 'File' })?.reason, 'traversal')
    assert.equal(unsafeTarEntry('a\\..\\evil', { type: 'File' })?.reason, 'traversal')
  })

  it('refuses links that escape and entries that are not files, folders or links', () => {
    assert.equal(unsafeTarEntry('up', { type: 'SymbolicLink', linkpath: '..' })?.reason, 'link_escape')
    assert.equal(unsafeTarEntry('a/b', { type: 'SymbolicLink', linkpath: '../../x' })?.reason, 'link_escape')
    assert.equal(unsafeTarEntry('abs', { type: 'SymbolicLink', linkpath: '/etc' })?.reason, 'link_escape')
    assert.equal(unsafeTarEntry('hard', { type: 'Link', linkpath: '../x' })?.reason, 'link_escape')
    assert.equal(unsafeTarEntry('none', { type: 'SymbolicLink' })?.reason, 'link_escape')
    const error = unsafeTarEntry('dev', { type: 'CharacterDevice' })
    assert.equal(error?.name, 'UnsafeAttachmentEntryError')
    assert.equal(error?.reason, 'entry_type')
    assert.equal(unsafeTarEntry('fifo', { type: 'FIFO' })?.reason, 'entry_type')
  })
})
