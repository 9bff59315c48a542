import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { configKeys, SECRET_KEYS, secretNameFor } from "@/lib/config";
import { balanced, readBicep } from "./bicep-lint";

/**
 * The deployment files, checked for what they promise. No container can be built here (the base
 * images' registry is out of reach) and no Bicep compiler installs from the package registries,
 * so these are structural checks; `bicep build` runs too when a `bicep` binary is on PATH.
 */
const root = path.resolve(__dirname, "..", "..");
const read = (f: string) => fs.readFileSync(path.join(root, f), "utf8");

/** Variables read by the Azure SDKs themselves (not by lib/config.ts). */
const PLATFORM_VARIABLES = ["AZURE_CLIENT_ID", "APPLICATIONINSIGHTS_CONNECTION_STRING"];

describe("Dockerfile", () => {
  const text = read("Dockerfile");
  const stages = text.split(/^FROM\s/m).slice(1);
  const final = stages.at(-1)!;

  it("is_multi_stage_and_the_runtime_stage_copies_only_the_standalone_output", () => {
    expect(stages.length).toBeGreaterThanOrEqual(3);
    expect(final).toMatch(/COPY --from=build .*\/app\/\.next\/standalone \.\//);
    expect(final).toMatch(/COPY --from=build .*\/app\/\.next\/static \.\/\.next\/static/);
    // The migrations are read from disk at start-up.
    expect(final).toMatch(/COPY --from=build .*\/app\/lib\/db\/migrations \.\/lib\/db\/migrations/);
    expect(final).not.toMatch(/node_modules/);
    expect(final).toMatch(/^CMD \["node", "server\.js"\]$/m);
    expect(final).toMatch(/NODE_ENV=production/);
  });

  it("runs_as_a_non_root_user", () => {
    const users = [...final.matchAll(/^USER\s+(\S+)/gm)].map((m) => m[1]);
    expect(users.at(-1)).toBe("node");
    // Nothing after USER switches back.
    expect(final.slice(final.lastIndexOf("USER"))).not.toMatch(/^USER\s+(root|0)\b/m);
  });

  it("has_a_health_check_with_node_against_api_health", () => {
    const check = /^HEALTHCHECK[\s\S]*?CMD (\[.*\])$/m.exec(final);
    expect(check).not.toBeNull();
    const cmd = JSON.parse(check![1]!) as string[];
    expect(cmd[0]).toBe("node");
    expect(cmd.join(" ")).toContain("/api/health");
    expect(cmd.join(" ")).not.toMatch(/curl|wget/);
  });

  it("dockerignore_keeps_local_state_and_secrets_out_of_the_image", () => {
    const ignored = read(".dockerignore").split("\n");
    for (const entry of ["node_modules", ".next", ".data", ".env", ".git"]) {
      expect(ignored).toContain(entry);
    }
  });

  it("next_builds_standalone_output", async () => {
    const mod = (await import(path.join(root, "next.config.mjs"))) as {
      default: { output?: string };
    };
    expect(mod.default.output).toBe("standalone");
  });
});

describe("docker-compose.yml", () => {
  const compose = parseYaml(read("docker-compose.yml"), { merge: true }) as {
    services: Record<
      string,
      {
        image?: string;
        build?: unknown;
        environment?: Record<string, string>;
        volumes?: string[];
        ports?: string[];
        healthcheck?: unknown;
        depends_on?: Record<string, { condition: string }>;
      }
    >;
  };
  const services = compose.services;
  const apps = Object.entries(services).filter(([, s]) =>
    s.image?.startsWith("foundry-agent-chat"),
  );
  const nginx = read("deploy/nginx.conf");

  it("runs_two_replicas_of_the_same_image_on_shared_postgres_and_redis", () => {
    expect(apps).toHaveLength(2);
    expect(new Set(apps.map(([, s]) => s.image)).size).toBe(1);
    for (const [, s] of apps) {
      expect(s.environment!.DATABASE_URL).toMatch(/^postgres:\/\/[^@]+@postgres:5432\//);
      expect(s.environment!.REDIS_URL).toBe("redis://redis:6379");
      expect(s.depends_on).toMatchObject({
        postgres: { condition: "service_healthy" },
        redis: { condition: "service_healthy" },
      });
    }
    expect(services.postgres!.image).toMatch(/^postgres:16\b/);
    expect(services.redis!.image).toMatch(/^redis:7\b/);
    expect(services.postgres!.healthcheck).toBeDefined();
    expect(services.redis!.healthcheck).toBeDefined();
  });

  it("app_environment_names_only_variables_the_config_module_reads", () => {
    for (const [, s] of apps) {
      const unknown = Object.keys(s.environment!).filter(
        (k) => !(configKeys as string[]).includes(k),
      );
      expect(unknown).toEqual([]);
    }
  });

  it("the_load_balancer_spreads_over_both_replicas_and_streams_sse_unbuffered", () => {
    const lb = Object.entries(services).find(([, s]) =>
      s.volumes?.some((v) => v.startsWith("./deploy/nginx.conf:")),
    );
    expect(lb).toBeDefined();
    expect(lb![1].ports).toEqual(["8080:80"]);
    const upstream = /upstream app \{([\s\S]*?)\}/.exec(nginx)![1]!;
    const servers = [...upstream.matchAll(/server\s+([\w-]+):3000/g)].map((m) => m[1]);
    expect(servers.sort()).toEqual(apps.map(([name]) => name).sort());
    expect(nginx).toMatch(/proxy_buffering off;/);
    expect(nginx).toMatch(/proxy_read_timeout 1h;/);
    expect(nginx).toMatch(/proxy_http_version 1\.1;/);
    // Host is passed through: /api/mcp compares it with APP_URL.
    expect(nginx).toMatch(/proxy_set_header Host \$http_host;/);
  });

  it("both_replicas_share_one_data_dir", () => {
    const volumes = apps.map(([, s]) => s.volumes);
    expect(volumes[0]).toEqual(volumes[1]);
    expect(volumes[0]).toContain("app-data:/app/data");
  });
});

describe("Azure infrastructure (Bicep, azd)", () => {
  const infra = path.join(root, "infra");
  const main = readBicep(path.join(infra, "main.bicep"));
  const files = [main, ...main.modules.map((m) => readBicep(m.path))];

  it("every_module_exists_and_gets_exactly_the_params_it_declares", () => {
    for (const call of main.modules) {
      expect(fs.existsSync(call.path), call.path).toBe(true);
      const mod = readBicep(call.path);
      const declared = mod.params.map((p) => p.name);
      expect(
        call.params.filter((p) => !declared.includes(p)),
        call.symbol,
      ).toEqual([]);
      const required = mod.params.filter((p) => p.required).map((p) => p.name);
      expect(
        required.filter((p) => !call.params.includes(p)),
        call.symbol,
      ).toEqual([]);
    }
  });

  it("every_file_has_balanced_brackets_and_quotes", () => {
    for (const f of files) expect(balanced(fs.readFileSync(f.file, "utf8")), f.file).toBe(true);
  });

  it("main_parameters_json_matches_the_params_of_main_bicep", () => {
    const parameters = Object.keys(
      (JSON.parse(read("infra/main.parameters.json")) as { parameters: object }).parameters,
    );
    const declared = main.params.map((p) => p.name);
    expect(parameters.filter((p) => !declared.includes(p))).toEqual([]);
    const required = main.params.filter((p) => p.required).map((p) => p.name);
    expect(required.filter((p) => !parameters.includes(p))).toEqual([]);
  });

  it("no_secure_param_is_output", () => {
    for (const f of files) {
      for (const p of f.params.filter((x) => x.secure)) {
        expect(f.text, `${f.file}: ${p.name}`).not.toMatch(
          new RegExp(`^output\\s+\\w+\\s+\\w+\\s*=.*\\b${p.name}\\b`, "m"),
        );
      }
    }
  });

  it("creates_the_documented_resources", () => {
    const types = new Set(files.flatMap((f) => f.resources.map((r) => r.type)));
    for (const t of [
      "Microsoft.ManagedIdentity/userAssignedIdentities",
      "Microsoft.KeyVault/vaults",
      "Microsoft.DBforPostgreSQL/flexibleServers",
      "Microsoft.Cache/redis",
      "Microsoft.Insights/components",
      "Microsoft.OperationalInsights/workspaces",
      "Microsoft.App/managedEnvironments",
      "Microsoft.App/containerApps",
      "Microsoft.ContainerRegistry/registries",
    ]) {
      expect(types.has(t), t).toBe(true);
    }
  });

  it("key_vault_secrets_are_named_after_config_variables_and_read_by_the_managed_identity", () => {
    const secretResources = files.flatMap((f) =>
      f.resources.filter((r) => r.type === "Microsoft.KeyVault/vaults/secrets"),
    );
    const names = secretResources.map((r) => /name:\s*'([^']+)'/.exec(r.body)![1]!);
    const allowed = SECRET_KEYS.map(secretNameFor);
    expect(names.filter((n) => !allowed.includes(n))).toEqual([]);
    expect(names).toEqual(expect.arrayContaining(["database-url", "redis-url"]));

    const kv = readBicep(path.join(infra, "modules/key-vault.bicep"));
    expect(kv.text).toMatch(/enableRbacAuthorization:\s*true/);
    // Key Vault Secrets User, for the app identity.
    expect(kv.text).toContain("4633458b-17de-408a-b874-0445c86b69e6");
  });

  it("the_container_app_uses_key_vault_references_and_only_known_variables", () => {
    const app = readBicep(path.join(infra, "modules/container-app.bicep"));
    const resource = app.resources.find((r) => r.type === "Microsoft.App/containerApps")!;
    expect(resource.body).toMatch(/type:\s*'UserAssigned'/);
    expect(app.text).toMatch(/keyVaultUrl:\s*'\$\{keyVaultUri\}secrets\/\$\{s\}'/);
    expect(app.text).toMatch(/identity:\s*identityId/);
    // Registry pulls with the identity, never a password.
    expect(app.text).toMatch(
      /registries:\s*\[\{\s*server:\s*registryServer,\s*identity:\s*identityId\s*\}\]/,
    );
    expect(app.text).not.toMatch(/passwordSecretRef/);
    const envNames = [
      ...app.text.matchAll(/\{\s*name:\s*'([A-Z_]+)',\s*(?:value|secretRef):/g),
    ].map((m) => m[1]!);
    expect(envNames.length).toBeGreaterThan(5);
    const unknown = envNames.filter(
      (n) => !(configKeys as string[]).includes(n) && !PLATFORM_VARIABLES.includes(n),
    );
    expect(unknown).toEqual([]);
    expect(resource.body).toMatch(/minReplicas:\s*minReplicas/);
    expect(app.text).toMatch(/path:\s*'\/api\/health'/);
    expect(app.text).toMatch(/path:\s*'\/api\/ready'/);
  });

  it("azure_yaml_deploys_the_dockerfile_to_the_container_app", () => {
    const azd = parseYaml(read("azure.yaml")) as {
      infra: { provider: string; path: string; module: string };
      services: Record<string, { host: string; docker: { path: string } }>;
    };
    expect(azd.infra).toMatchObject({ provider: "bicep", path: "infra", module: "main" });
    expect(azd.services.web!.host).toBe("containerapp");
    expect(fs.existsSync(path.join(root, azd.services.web!.docker.path))).toBe(true);
    // azd finds the app by this tag.
    expect(main.text).toMatch(/'azd-service-name':\s*'web'/);
  });

  const bicep = (() => {
    try {
      execFileSync("bicep", ["--version"], { stdio: "ignore" });
      return true;
    } catch {
      return false;
    }
  })();
  it.runIf(bicep)("compiles_with_bicep_build", () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "fac-bicep-"));
    try {
      execFileSync("bicep", ["build", path.join(infra, "main.bicep"), "--outdir", out]);
      expect(fs.existsSync(path.join(out, "main.json"))).toBe(true);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });
});
