/**
 * What `larder login --tool T` writes, as pure functions: for each file, the file's new text
 * given its current text (undefined when it does not exist). The per-tool plans live beside this
 * file (tools-npm.ts, tools-python.ts, tools-maven.ts, tools-gradle.ts); apply.ts does the I/O.
 */
import type { LoginTarget } from './endpoints.js';
import type { ToolPlan } from './file-edit.js';
import type { UserConfigPaths } from './paths.js';
import type { ToolName } from './tool-names.js';
import { npmPlan, yarnPlan } from './tools-npm.js';
import { pipPlan, twinePlan, uvPlan } from './tools-python.js';
import { mavenPlan } from './tools-maven.js';
import { gradlePlan } from './tools-gradle.js';

export type { FileEdit, ToolPlan } from './file-edit.js';

export function planLogin(tool: ToolName, target: LoginTarget, paths: UserConfigPaths): ToolPlan {
  switch (tool) {
    case 'npm':
    case 'pnpm':
      return npmPlan(tool, target, paths);
    case 'yarn':
      return yarnPlan(target, paths);
    case 'pip':
      return pipPlan(target, paths);
    case 'uv':
      return uvPlan(target, paths);
    case 'twine':
      return twinePlan(target, paths);
    case 'maven':
      return mavenPlan(target, paths);
    case 'gradle':
      return gradlePlan(target, paths);
  }
}
