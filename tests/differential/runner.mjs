#!/usr/bin/env node
// Batch runner for differential testing against @cloud-copilot/iam-simulate.
//
// Input  (stdin): one JSON object per line:
//   {"id": <optional, echoed back>,
//    "policy": <resource policy document>,
//    "request": {"principal": "rekognition.amazonaws.com",
//                "action": "sts:AssumeRole",
//                "resource": "arn:aws:iam::111122223333:role/r",
//                "context": {"aws:SourceAccount": "111122223333", ...},
//                "accountId": <optional; resource owner account>,
//                "identityPolicies": <optional array of policy documents>}}
//
// Output (stdout): exactly one JSON line per input line, in input order:
//   {"id": ..., "decision": "allow"|"explicit_deny"|"implicit_deny"|"error", "detail": ...}
//
// The policy is passed to runSimulation as `resourcePolicy`; identity, SCP and RCP
// lists are empty (unless `identityPolicies` is given). A bad case never crashes the
// process: validation failures, thrown exceptions and unparsable lines are all
// reported as decision "error" with the message in `detail`.
//
// Notes on how the request is mapped (see FINDINGS.md for the reasons):
//  * accountId defaults to the account segment (5th colon field) of the resource ARN.
//  * Context values: iam-simulate expects strings (single-valued keys) or arrays of
//    strings (ArrayOf* keys). Numbers/booleans are converted with String(); a null
//    value drops the key (treated as absent). Non-string values would otherwise be
//    silently treated as non-matching or make the simulator throw.
//  * Context keys that iam-simulate does not consider valid for the action/resource
//    (unknown keys, typos, service keys of other services) are silently DROPPED by
//    iam-simulate; they are listed in detail.ignoredContextKeys.
//  * Simulation mode is always 'Strict'.

import { realpathSync } from 'node:fs'
import { createInterface } from 'node:readline'
import { pathToFileURL } from 'node:url'
import { runSimulation } from '@cloud-copilot/iam-simulate'

const DECISIONS = {
  Allowed: 'allow',
  ExplicitlyDenied: 'explicit_deny',
  ImplicitlyDenied: 'implicit_deny'
}

/** Convert a context value into the shape iam-simulate handles without crashing. */
function normalizeContextValue(value) {
  if (Array.isArray(value)) {
    return value.filter((v) => v !== null && v !== undefined).map((v) => (typeof v === 'string' ? v : String(v)))
  }
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  throw new Error(`unsupported context value type: ${JSON.stringify(value)}`)
}

function normalizeContext(context) {
  const out = {}
  if (context === undefined || context === null) return out
  if (typeof context !== 'object' || Array.isArray(context)) throw new Error('request.context must be an object')
  for (const [key, value] of Object.entries(context)) {
    if (value === null || value === undefined) continue // absent
    out[key] = normalizeContextValue(value)
  }
  return out
}

/** Account segment of an ARN, or undefined. */
function arnAccount(resource) {
  if (typeof resource !== 'string' || !resource.startsWith('arn:')) return undefined
  const parts = resource.split(':')
  return parts.length >= 6 && parts[4] ? parts[4] : undefined
}

/** Collect statement identifiers (Sid or index) from a resource-policy analysis. */
function statementIds(statements) {
  return (statements || []).map((s) => s.explain?.identifier ?? s.statement?.sid?.() ?? String(s.statement?.index?.()))
}

/** Evaluate one parsed case; always resolves to an output object (never throws). */
export async function evaluateCase(testCase) {
  try {
    if (!testCase || typeof testCase !== 'object') throw new Error('case must be a JSON object')
    const { policy, request } = testCase
    if (policy === undefined || policy === null) throw new Error('missing policy')
    if (!request || typeof request !== 'object') throw new Error('missing request object')
    if (typeof request.principal !== 'string') throw new Error('request.principal must be a string')
    if (typeof request.action !== 'string') throw new Error('request.action must be a string')
    if (typeof request.resource !== 'string') throw new Error('request.resource must be a string')
    if (request.resource.includes('*')) {
      // A wildcard request resource switches iam-simulate into multi-simulation
      // ("wildcard") mode, which is not a concrete evaluation.
      throw new Error('request.resource must be concrete (no "*")')
    }
    const identityPolicies = (request.identityPolicies || []).map((p, i) => ({ name: `identity-${i}`, policy: p }))
    const simulation = {
      identityPolicies,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: policy,
      request: {
        principal: request.principal,
        action: request.action,
        resource: { resource: request.resource, accountId: request.accountId ?? arnAccount(request.resource) },
        contextVariables: normalizeContext(request.context)
      }
    }
    const result = await runSimulation(simulation, { simulationMode: 'Strict' })
    if (result.resultType === 'error') {
      return { decision: 'error', detail: { message: result.errors?.message ?? 'error', errors: result.errors } }
    }
    const decision = DECISIONS[result.overallResult]
    if (!decision) return { decision: 'error', detail: { message: `unexpected overallResult ${result.overallResult}` } }
    const detail = { result: result.overallResult, resultType: result.resultType }
    if (result.resultType === 'single') {
      const analysis = result.result.analysis
      const ra = analysis.resourceAnalysis
      detail.resourcePolicyResult = ra?.result
      detail.allowStatements = statementIds(ra?.allowStatements)
      detail.denyStatements = statementIds(ra?.denyStatements)
      if (analysis.blockedBy) detail.blockedBy = analysis.blockedBy
      if (result.result.ignoredContextKeys?.length) detail.ignoredContextKeys = result.result.ignoredContextKeys
    }
    return { decision, detail }
  } catch (e) {
    return { decision: 'error', detail: { message: `exception: ${e && e.message ? e.message : String(e)}` } }
  }
}

async function main() {
  const rl = createInterface({ input: process.stdin, crlfDelay: Infinity })
  for await (const line of rl) {
    if (line.trim() === '') continue
    let testCase
    let out
    try {
      testCase = JSON.parse(line)
      out = await evaluateCase(testCase)
    } catch (e) {
      out = { decision: 'error', detail: { message: `bad input line: ${e.message}` } }
    }
    if (testCase && typeof testCase === 'object' && 'id' in testCase) out = { id: testCase.id, ...out }
    let text
    try {
      text = JSON.stringify(out)
    } catch (e) {
      text = JSON.stringify({ id: out.id, decision: 'error', detail: { message: `unserializable result: ${e.message}` } })
    }
    if (!process.stdout.write(text + '\n')) await new Promise((r) => process.stdout.once('drain', r))
  }
}

// Last-resort guard: report unexpected async failures instead of dying silently.
process.on('unhandledRejection', (e) => {
  process.stderr.write(`unhandledRejection: ${e && e.stack ? e.stack : e}\n`)
})

const invokedDirectly = (() => {
  try {
    return !!process.argv[1] && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href
  } catch {
    return false
  }
})()

if (invokedDirectly) {
  main().catch((e) => {
    process.stderr.write(`fatal: ${e && e.stack ? e.stack : e}\n`)
    process.exit(1)
  })
}
