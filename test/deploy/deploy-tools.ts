// The offline checkers of deploy/ (helm, kubernetes-validate, check-jsonschema), installed once
// into ~/.cache/sa-bridge/tools by deploy/tools/install.sh. .ci/run installs them before the tests
// and sets SA_BRIDGE_DEPLOY_TOOLS=required, so in CI a failed install fails the run; elsewhere the
// deploy tests are skipped, with the reason, only when the tools cannot be installed.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '../../src/config.ts';

const run = promisify(execFile);

export interface DeployTools {
  helm: string;
  kubernetesValidate: string;
  checkJsonschema: string;
  python: string;
}

export type ToolsResult = { tools: DeployTools; skipReason?: undefined } | { tools?: undefined; skipReason: string };

let installing: Promise<ToolsResult> | undefined;

async function install(): Promise<ToolsResult> {
  const started = Date.now();
  try {
    const { stdout, stderr } = await run('bash', [path.join(repoRoot, 'deploy', 'tools', 'install.sh')], {
      timeout: 30 * 60_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    if (stderr.trim()) console.log(`[deploy-tools] ${((Date.now() - started) / 1000).toFixed(0)} s:\n${stderr.trim()}`);
    const found = Object.fromEntries(stdout.trim().split('\n').map((line) => line.split(/=(.*)/s).slice(0, 2)));
    return {
      tools: {
        helm: found.HELM!,
        kubernetesValidate: found.KUBERNETES_VALIDATE!,
        checkJsonschema: found.CHECK_JSONSCHEMA!,
        python: found.PYTHON!,
      },
    };
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    const reason = `deploy/tools/install.sh could not install helm and the validators: ${(e.stderr || e.message).trim().split('\n').slice(-3).join(' | ')}`;
    if (process.env.SA_BRIDGE_DEPLOY_TOOLS === 'required') throw new Error(reason);
    console.warn(`[deploy-tools] SKIPPING the deploy checks: ${reason}`);
    return { skipReason: reason };
  }
}

export function deployTools(): Promise<ToolsResult> {
  installing ??= install();
  return installing;
}

/** Runs a command; resolves with its exit code and output instead of throwing on a non-zero exit. */
export async function runTool(file: string, args: string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = execFile(file, args, { maxBuffer: 64 * 1024 * 1024, timeout: 120_000, cwd: repoRoot }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') reject(error);
      else resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** Parses a YAML stream (several documents) with the validators' own PyYAML. */
export async function parseYamlStream(tools: DeployTools, text: string): Promise<unknown[]> {
  const script = 'import sys, json, yaml; print(json.dumps([d for d in yaml.safe_load_all(sys.stdin) if d is not None]))';
  const { code, stdout, stderr } = await runTool(tools.python, ['-c', script], text);
  if (code !== 0) throw new Error(`YAML did not parse: ${stderr}`);
  return JSON.parse(stdout) as unknown[];
}
