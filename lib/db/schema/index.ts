export * from "./app";
export * from "./local-foundry";
export * from "./sandbox";
export * from "./mcp-core";
export * from "./approvals";
export * from "./local-foundry-connections";
export * from "./identity";
