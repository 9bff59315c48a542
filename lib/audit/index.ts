export { appendAudit } from "./append";
export { argumentHash, canonicalJson, sha256Hex } from "./canonical";
export { GENESIS_HASH, chainHash, type AuditEntry } from "./record";
export { verifyAuditChain, type AuditChainVerdict } from "./verify";
