export * from "./app";
export * from "./local-foundry";
