// Proves the layering of DESIGN.md §2 is enforced by lint: a protocol/ file importing accounting/,
// relay/ or an I/O module fails ESLint with no-restricted-imports, while a clean file passes.
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { ESLint } from 'eslint'

const root = process.cwd()

async function lintAs (text: string, filePath: string): Promise<ESLint.LintResult> {
  const eslint = new ESLint({
    cwd: root,
    ruleFilter: ({ ruleId }) => ruleId === 'no-restricted-imports',
    // typed rules are filtered out above; parse without a TS program so a virtual path works
    overrideConfig: { languageOptions: { parserOptions: { projectService: false, project: null } } }
  })
  const [result] = await eslint.lintText(text, { filePath: join(root, filePath) })
  assert.ok(result !== undefined)
  return result
}

describe('layering lint (DESIGN.md §2)', () => {
  it('rejects accounting/, relay/ and node:fs imports in protocol/', async () => {
    const text = await readFile(join(root, 'test/fixtures/lint/protocol/bad-import.ts'), 'utf8')
    const result = await lintAs(text, 'protocol/bad-import.ts')
    const banned = result.messages.filter((m) => m.ruleId === 'no-restricted-imports')
    assert.equal(banned.length, 3, JSON.stringify(result.messages))
    assert.deepEqual(banned.map((m) => m.line), [3, 4, 5])
  })

  it('rejects relay/ imports in accounting/ but allows protocol/', async () => {
    const text = "import { a } from '../relay/main.js'\nimport { b } from '../protocol/errors.js'\nexport const c = [a, b]\n"
    const result = await lintAs(text, 'accounting/bad-import.ts')
    assert.deepEqual(result.messages.map((m) => [m.ruleId, m.line]), [['no-restricted-imports', 1]])
  })

  it('accepts a protocol/ file with only pure imports', async () => {
    const text = "import { CID } from 'multiformats/cid'\nimport { MalformedMessageError } from './errors.js'\nexport const c = [CID, MalformedMessageError]\n"
    const result = await lintAs(text, 'protocol/good-import.ts')
    assert.deepEqual(result.messages, [])
  })

  it('allows relay/ to import both lower layers', async () => {
    const text = "import { a } from '../accounting/index.js'\nimport { b } from '../protocol/index.js'\nexport const c = [a, b]\n"
    const result = await lintAs(text, 'relay/good-import.ts')
    assert.deepEqual(result.messages, [])
  })
})
