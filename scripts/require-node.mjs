#!/usr/bin/env node
// Stops with a message saying what to do when this Node cannot run the repository's scripts.
// Run it before a script (`node scripts/require-node.mjs && …`, as package.json does) or import
// it first (`import './require-node.mjs'`, as start.mjs does). It uses nothing newer than
// Node 18, so that an old Node reaches the message instead of a syntax or flag error.
import { isSupportedNode, unsupportedNodeMessage } from './lib/node-support.mjs'

if (!isSupportedNode(process.versions.node)) {
  console.error(unsupportedNodeMessage(process.versions.node))
  process.exit(1)
}
