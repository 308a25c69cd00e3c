// The client: starts `hcq lsp` (from the PATH, or the `hcq.path` setting)
// for `.hcq` documents; everything else is declared in package.json.
"use strict";

const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

function serverPath() {
  return vscode.workspace.getConfiguration("hcq").get("path") || "hcq";
}

async function start() {
  const command = serverPath();
  client = new LanguageClient(
    "hcq",
    "hcq",
    { command, args: ["lsp"] },
    {
      documentSelector: [
        { scheme: "file", language: "hcq" },
        { scheme: "untitled", language: "hcq" },
      ],
    },
  );
  try {
    await client.start();
  } catch (error) {
    client = undefined;
    vscode.window.showErrorMessage(
      `hcq: cannot start \`${command} lsp\` (${error.message}). ` +
        'Install hcq (`cargo install --path .` in its repository) or set "hcq.path".',
    );
  }
}

async function stop() {
  if (client) {
    const running = client;
    client = undefined;
    await running.stop();
  }
}

function activate(context) {
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      if (event.affectsConfiguration("hcq.path")) {
        await stop();
        await start();
      }
    }),
  );
  return start();
}

function deactivate() {
  return stop();
}

module.exports = { activate, deactivate };
