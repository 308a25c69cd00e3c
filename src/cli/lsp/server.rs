//! The server as a state machine: a JSON-RPC message in, the messages to
//! send and the lines to log out. No I/O here; `mod.rs` drives it.
//!
//! The lifecycle is the protocol's: requests before `initialize` get
//! `ServerNotInitialized`, requests after `shutdown` get `InvalidRequest`,
//! `exit` ends the loop (status 0 after `shutdown`, 1 before it). An
//! unknown request gets `MethodNotFound`, an unknown notification is
//! ignored, and params that do not fit the method get `InvalidParams` (a
//! notification's are logged and ignored). Nothing a client sends, and no
//! text it opens, stops the server.

use super::diagnostics::{self, Checked};
use super::document::Document;
use super::index::Index;
use super::{actions, completion, formatting, hover, navigation, semantic, symbols};
use crate as hcq;
use hcq::segment::{CompiledFile, LowerCache};
use lsp_types::notification::{
    DidChangeTextDocument, DidCloseTextDocument, DidOpenTextDocument, Notification as _,
    PublishDiagnostics,
};
use lsp_types::request::SemanticTokensFullRequest;
use lsp_types::request::{
    CodeActionRequest, Completion, DocumentSymbolRequest, Formatting, GotoDefinition, HoverRequest,
    Initialize, PrepareRenameRequest, References, Rename, Request as _, Shutdown,
};
use lsp_types::{
    CodeActionKind, CodeActionOptions, CodeActionProviderCapability, CompletionOptions,
    CompletionResponse, DocumentSymbolResponse, GotoDefinitionResponse, HoverProviderCapability,
    InitializeResult, OneOf, PositionEncodingKind, PublishDiagnosticsParams, RenameOptions,
    ServerCapabilities, ServerInfo, TextDocumentPositionParams, TextDocumentSyncCapability,
    TextDocumentSyncKind, Uri,
};
use lsp_types::{
    SemanticTokens, SemanticTokensFullOptions, SemanticTokensOptions, SemanticTokensResult,
    SemanticTokensServerCapabilities,
};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use std::collections::HashMap;

/// JSON-RPC and protocol error codes.
pub(crate) mod code {
    pub const PARSE_ERROR: i64 = -32700;
    pub const INVALID_REQUEST: i64 = -32600;
    pub const METHOD_NOT_FOUND: i64 = -32601;
    pub const INVALID_PARAMS: i64 = -32602;
    pub const SERVER_NOT_INITIALIZED: i64 = -32002;
    pub const REQUEST_FAILED: i64 = -32803;
}

/// What handling one message asks the driver to do.
#[derive(Debug, Default)]
pub(crate) struct Output {
    /// Messages to send, in order.
    pub messages: Vec<Value>,
    /// Lines for stderr.
    pub log: Vec<String>,
    /// The exit status, when the client said `exit`.
    pub exit: Option<u8>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Uninitialized,
    Running,
    ShutDown,
}

/// An open document and what was last learnt of it.
struct Open {
    document: Document,
    /// The segments' plans, when it is a segment file without errors.
    compiled: Option<CompiledFile>,
    /// Names and where they are; built when first asked for.
    index: Option<Index>,
    /// The plans of its segments, which a change to others leaves alone.
    cache: LowerCache,
}

/// The server's state: the lifecycle and the open documents.
pub(crate) struct Server {
    state: State,
    options: hcq::Options,
    open: HashMap<Uri, Open>,
    /// Plans replaced by a newer check, freed by [`Server::tidy`] once
    /// the answer is written: freeing 10,000 segments' plans takes about a
    /// tenth of their check, time the diagnostics need not wait for.
    retired: Vec<CompiledFile>,
}

/// A failed request: an error code and a message.
type Failure = (i64, String);

impl Server {
    /// A server that checks documents with `options` (`now` unset reads
    /// the clock at each check, as `hcq check` does).
    pub fn new(options: hcq::Options) -> Server {
        Server {
            state: State::Uninitialized,
            options,
            open: HashMap::new(),
            retired: Vec::new(),
        }
    }

    /// Frees what the last message made obsolete; the driver calls it
    /// after writing the answers.
    pub fn tidy(&mut self) {
        self.retired.clear();
    }

    /// Handles one frame's body.
    pub fn handle_bytes(&mut self, body: &[u8]) -> Output {
        let mut out = Output::default();
        match serde_json::from_slice::<Value>(body) {
            Ok(message) => self.handle(message, &mut out),
            Err(error) => {
                out.log.push(format!("a message that is not JSON: {error}"));
                out.messages.push(error_response(
                    Value::Null,
                    code::PARSE_ERROR,
                    format!("not JSON: {error}"),
                ));
            }
        }
        out
    }

    fn handle(&mut self, message: Value, out: &mut Output) {
        let Value::Object(mut message) = message else {
            out.messages.push(error_response(
                Value::Null,
                code::INVALID_REQUEST,
                "a message is a JSON object".to_owned(),
            ));
            return;
        };
        let id = message.remove("id");
        let params = message.remove("params").unwrap_or(Value::Null);
        let method = match message.remove("method") {
            Some(Value::String(method)) => method,
            // A response to a request: the server sends none, so none is awaited.
            None if message.contains_key("result") || message.contains_key("error") => return,
            _ => {
                let id = id.filter(valid_id).unwrap_or(Value::Null);
                out.messages.push(error_response(
                    id,
                    code::INVALID_REQUEST,
                    "a message needs a `method` string".to_owned(),
                ));
                return;
            }
        };
        match id {
            None => self.notification(&method, params, out),
            Some(id) if valid_id(&id) => {
                let response = match self.request(&method, params) {
                    Ok(result) => json!({"jsonrpc": "2.0", "id": id, "result": result}),
                    Err((code, text)) => error_response(id, code, text),
                };
                out.messages.push(response);
            }
            Some(_) => out.messages.push(error_response(
                Value::Null,
                code::INVALID_REQUEST,
                "a request's id is a number or a string".to_owned(),
            )),
        }
    }

    fn request(&mut self, method: &str, params: Value) -> Result<Value, Failure> {
        match (self.state, method) {
            (State::Uninitialized, Initialize::METHOD) => {
                self.state = State::Running;
                return Ok(to_value(initialize_result()));
            }
            (State::Uninitialized, _) => {
                return Err((
                    code::SERVER_NOT_INITIALIZED,
                    "the server is not initialized yet".to_owned(),
                ));
            }
            (State::ShutDown, _) => {
                return Err((
                    code::INVALID_REQUEST,
                    "the server is shut down; only `exit` is expected".to_owned(),
                ));
            }
            (State::Running, Initialize::METHOD) => {
                return Err((
                    code::INVALID_REQUEST,
                    "the server is already initialized".to_owned(),
                ));
            }
            (State::Running, _) => {}
        }
        match method {
            Shutdown::METHOD => {
                self.state = State::ShutDown;
                Ok(Value::Null)
            }
            Formatting::METHOD => {
                let params: lsp_types::DocumentFormattingParams = parse(params)?;
                let limits = self.options.limits;
                let edits = self
                    .open
                    .get(&params.text_document.uri)
                    .and_then(|open| formatting::format(&open.document, &limits));
                Ok(to_value(edits))
            }
            Completion::METHOD => {
                let params: lsp_types::CompletionParams = parse(params)?;
                let schema = self.options.schema;
                let items = self.at(&params.text_document_position, |_, open, index, offset| {
                    completion::complete(&open.document, index, &schema, offset)
                });
                Ok(to_value(items.map(CompletionResponse::Array)))
            }
            HoverRequest::METHOD => {
                let params: lsp_types::HoverParams = parse(params)?;
                let schema = self.options.schema;
                let hover = self.at(
                    &params.text_document_position_params,
                    |_, open, index, offset| {
                        let compiled = open.compiled.as_ref();
                        hover::hover(&open.document, index, compiled, &schema, offset)
                    },
                );
                Ok(to_value(hover.flatten()))
            }
            GotoDefinition::METHOD => {
                let params: lsp_types::GotoDefinitionParams = parse(params)?;
                let location = self.at(
                    &params.text_document_position_params,
                    |uri, open, index, offset| {
                        navigation::definition(uri, &open.document, index, offset)
                    },
                );
                Ok(to_value(
                    location.flatten().map(GotoDefinitionResponse::Scalar),
                ))
            }
            References::METHOD => {
                let params: lsp_types::ReferenceParams = parse(params)?;
                let declaration = params.context.include_declaration;
                let locations = self.at(
                    &params.text_document_position,
                    |uri, open, index, offset| {
                        navigation::references(uri, &open.document, index, offset, declaration)
                    },
                );
                Ok(to_value(locations.flatten()))
            }
            PrepareRenameRequest::METHOD => {
                let params: TextDocumentPositionParams = parse(params)?;
                let range = self.at(&params, |_, open, index, offset| {
                    navigation::prepare_rename(&open.document, index, offset)
                });
                Ok(to_value(range.flatten()))
            }
            Rename::METHOD => {
                let params: lsp_types::RenameParams = parse(params)?;
                let new_name = params.new_name;
                let edit = self.at(
                    &params.text_document_position,
                    |uri, open, index, offset| {
                        navigation::rename(uri, &open.document, index, offset, &new_name)
                    },
                );
                match edit {
                    None => Ok(Value::Null),
                    Some(Ok(edit)) => Ok(to_value(edit)),
                    Some(Err(error)) => Err((code::REQUEST_FAILED, error.to_string())),
                }
            }
            SemanticTokensFullRequest::METHOD => {
                let params: lsp_types::SemanticTokensParams = parse(params)?;
                let tokens = self.at_document(&params.text_document.uri, |_, open, index| {
                    semantic::tokens(&open.document, index)
                });
                Ok(to_value(tokens.map(|data| {
                    SemanticTokensResult::Tokens(SemanticTokens {
                        result_id: None,
                        data,
                    })
                })))
            }
            CodeActionRequest::METHOD => {
                let params: lsp_types::CodeActionParams = parse(params)?;
                let uri = params.text_document.uri;
                let open = self.open.contains_key(&uri);
                let fixes = actions::quick_fixes(&uri, &params.context.diagnostics);
                Ok(to_value(open.then_some(fixes)))
            }
            DocumentSymbolRequest::METHOD => {
                let params: lsp_types::DocumentSymbolParams = parse(params)?;
                let list = self.at_document(&params.text_document.uri, |_, open, index| {
                    symbols::symbols(&open.document, index, open.compiled.as_ref())
                });
                Ok(to_value(list.map(DocumentSymbolResponse::Nested)))
            }
            _ => Err((
                code::METHOD_NOT_FOUND,
                format!("hcq lsp does not answer `{}`", clip(method)),
            )),
        }
    }

    fn notification(&mut self, method: &str, params: Value, out: &mut Output) {
        if method == "exit" {
            out.exit = Some(if self.state == State::ShutDown { 0 } else { 1 });
            return;
        }
        if self.state != State::Running {
            return;
        }
        let parsed = match method {
            DidOpenTextDocument::METHOD => parse(params).map(|params| self.did_open(params, out)),
            DidChangeTextDocument::METHOD => {
                parse(params).map(|params| self.did_change(params, out))
            }
            DidCloseTextDocument::METHOD => parse(params).map(|params| self.did_close(params, out)),
            // `initialized`, `$/cancelRequest` (every request is answered
            // before the next is read), `didSave` and the rest.
            _ => Ok(()),
        };
        if let Err((_, error)) = parsed {
            out.log.push(format!("ignored `{}`: {error}", clip(method)));
        }
    }

    fn did_open(&mut self, params: lsp_types::DidOpenTextDocumentParams, out: &mut Output) {
        let item = params.text_document;
        let document = Document::new(item.text, item.version);
        self.open.insert(
            item.uri.clone(),
            Open {
                document,
                compiled: None,
                index: None,
                cache: LowerCache::default(),
            },
        );
        self.check(&item.uri, out);
    }

    fn did_change(&mut self, params: lsp_types::DidChangeTextDocumentParams, out: &mut Output) {
        let uri = params.text_document.uri;
        let Some(open) = self.open.get_mut(&uri) else {
            out.log.push(format!(
                "ignored a change to {}, which is not open",
                clip(uri.as_str())
            ));
            return;
        };
        open.document
            .apply(params.content_changes, params.text_document.version);
        open.index = None;
        self.check(&uri, out);
    }

    fn did_close(&mut self, params: lsp_types::DidCloseTextDocumentParams, out: &mut Output) {
        let uri = params.text_document.uri;
        if let Some(closed) = self.open.remove(&uri) {
            self.retired.extend(closed.compiled);
            out.messages.push(publish(PublishDiagnosticsParams::new(
                uri,
                Vec::new(),
                None,
            )));
        }
    }

    /// Checks a document and publishes its diagnostics.
    fn check(&mut self, uri: &Uri, out: &mut Output) {
        let Some(open) = self.open.get_mut(uri) else {
            return;
        };
        let Checked {
            diagnostics,
            compiled,
        } = diagnostics::check(uri, &open.document, &self.options, &mut open.cache);
        if let Some(previous) = std::mem::replace(&mut open.compiled, compiled) {
            self.retired.push(previous);
        }
        let version = Some(open.document.version());
        out.messages.push(publish(PublishDiagnosticsParams::new(
            uri.clone(),
            diagnostics,
            version,
        )));
    }

    /// `answer` for an open document with its index built; `None` for a
    /// document that is not open.
    fn at_document<T>(
        &mut self,
        uri: &Uri,
        answer: impl FnOnce(&Uri, &Open, &Index) -> T,
    ) -> Option<T> {
        let limits = self.options.limits;
        let open = self.open.get_mut(uri)?;
        if open.index.is_none() {
            open.index = Some(Index::new(open.document.text(), &limits));
        }
        let open = &*open;
        let index = open.index.as_ref().expect("built just above");
        Some(answer(uri, open, index))
    }

    /// `answer` at a position of an open document, as a byte offset.
    fn at<T>(
        &mut self,
        at: &TextDocumentPositionParams,
        answer: impl FnOnce(&Uri, &Open, &Index, usize) -> T,
    ) -> Option<T> {
        self.at_document(&at.text_document.uri, |uri, open, index| {
            let offset = open.document.offset(at.position);
            answer(uri, open, index, offset)
        })
    }
}

/// What the server can do, for `initialize`.
fn initialize_result() -> InitializeResult {
    InitializeResult {
        capabilities: ServerCapabilities {
            position_encoding: Some(PositionEncodingKind::UTF16),
            text_document_sync: Some(TextDocumentSyncCapability::Kind(
                TextDocumentSyncKind::INCREMENTAL,
            )),
            completion_provider: Some(CompletionOptions {
                trigger_characters: Some(vec!["@".to_owned()]),
                ..CompletionOptions::default()
            }),
            hover_provider: Some(HoverProviderCapability::Simple(true)),
            definition_provider: Some(OneOf::Left(true)),
            references_provider: Some(OneOf::Left(true)),
            rename_provider: Some(OneOf::Right(RenameOptions {
                prepare_provider: Some(true),
                work_done_progress_options: Default::default(),
            })),
            document_symbol_provider: Some(OneOf::Left(true)),
            document_formatting_provider: Some(OneOf::Left(true)),
            semantic_tokens_provider: Some(
                SemanticTokensServerCapabilities::SemanticTokensOptions(SemanticTokensOptions {
                    legend: semantic::legend(),
                    full: Some(SemanticTokensFullOptions::Bool(true)),
                    ..SemanticTokensOptions::default()
                }),
            ),
            code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
                code_action_kinds: Some(vec![CodeActionKind::QUICKFIX]),
                ..CodeActionOptions::default()
            })),
            ..ServerCapabilities::default()
        },
        server_info: Some(ServerInfo {
            name: "hcq".to_owned(),
            version: Some(env!("CARGO_PKG_VERSION").to_owned()),
        }),
    }
}

fn publish(params: PublishDiagnosticsParams) -> Value {
    json!({"jsonrpc": "2.0", "method": PublishDiagnostics::METHOD, "params": params})
}

fn error_response(id: Value, code: i64, message: String) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}})
}

/// JSON-RPC ids are numbers or strings.
fn valid_id(id: &Value) -> bool {
    matches!(id, Value::Number(_) | Value::String(_))
}

fn parse<P: DeserializeOwned>(params: Value) -> Result<P, Failure> {
    serde_json::from_value(params).map_err(|error| {
        (
            code::INVALID_PARAMS,
            format!("params that do not fit: {error}"),
        )
    })
}

fn to_value(value: impl serde::Serialize) -> Value {
    serde_json::to_value(value).expect("protocol types serialise")
}

/// A name from the client, shortened for a message.
fn clip(text: &str) -> std::borrow::Cow<'_, str> {
    crate::diagnostic::clip(text, 80)
}
