/**
 * Admin routes of the policy and the relay's peer bindings: publish a policy (signed by the
 * operator elsewhere, or unsigned and signed here with the relay's TAU key), list the history,
 * and add, list or remove peer bindings. Every document is verified before it is stored.
 */
import { Router } from 'express'
import { equals } from 'uint8arrays/equals'
import { policyFromJson } from '../../../protocol/policy-json.js'
import { signPolicyDocument, verifyPolicyBindings, verifyPolicyDocument } from '../../../protocol/policy-document.js'
import { verifyPeerBinding } from '../../../protocol/peer-binding.js'
import { tauAddressFromPrivateKey } from '../../../protocol/tau-address.js'
import { bindingJson, policySummaryJson } from '../../json-views.js'
import { HttpError } from '../http-error.js'
import { bindingBody, peerParam, publishPolicyBody } from '../schemas.js'
import { named } from './public.js'
import type { PolicyDocument } from '../../../protocol/policy-schema.js'
import type { BindingSource, PolicySource } from '../sources.js'

/** What the policy and binding routes use. */
export interface PolicyRouteComponents {
  policy: PolicySource
  bindings: BindingSource
  /** Signs unsigned policies; its address is the only one whose policies and bindings are accepted. */
  tauPrivateKey: Uint8Array
  now: () => number
}

/** The `/admin` router of policies and bindings. */
export function policyRoutes (c: PolicyRouteComponents): Router {
  const router = Router()
  const operator = tauAddressFromPrivateKey(c.tauPrivateKey)

  router.post('/policy', named('admin_policy'), async (req, res) => {
    const { policy } = publishPolicyBody.parse(req.body)
    let doc: PolicyDocument
    if ('sig' in policy) {
      doc = policyFromJson(policy)
      verifyPolicyDocument(doc)
      if (!equals(doc.relay.tau, operator)) throw new HttpError(422, 'wrong_operator', 'the policy is for another TAU address')
    } else {
      // signPolicyDocument refuses a relay.tau that is not the signing key's address
      doc = signPolicyDocument(policyFromJson(policy, { signed: false }), c.tauPrivateKey)
    }
    await verifyPolicyBindings(doc, c.now())
    const stored = await c.policy.publish(doc)
    res.status(201).json(policySummaryJson(stored))
  })

  router.get('/policy/history', named('admin_policy_history'), async (_req, res) => {
    const history = await c.policy.history()
    res.json({ policies: history.map(policySummaryJson) })
  })

  router.get('/bindings', named('admin_bindings'), async (_req, res) => {
    const bindings = await c.bindings.list()
    res.json({ bindings: bindings.map(bindingJson) })
  })

  router.put('/bindings', named('admin_bindings'), async (req, res) => {
    const binding = bindingBody.parse(req.body)
    if (!equals(binding.tau, operator)) throw new HttpError(422, 'wrong_operator', 'the binding is for another TAU address')
    await verifyPeerBinding(binding, { nowMs: c.now() })
    await c.bindings.add(binding)
    res.status(200).json(bindingJson(binding))
  })

  router.delete('/bindings/:peer', named('admin_bindings'), async (req, res) => {
    const removed = await c.bindings.remove(peerParam.parse(req.params.peer))
    if (!removed) throw new HttpError(404, 'no_such_binding', 'no binding for this peer')
    res.status(204).end()
  })

  return router
}
