// Calls every API of the server through the generated TypeScript clients in gen/ts: the REST
// APIs through the openapi-fetch clients, the WebSocket APIs through the typed WebSocket
// clients. `make test` type-checks it (tools/node/tsc-check.sh) and runs it against a live
// server (tools/node/run-example.sh); every step checks what the server answered and the
// process exits 1 on the first surprise. When a spec changes a path, a field or a message,
// this file stops compiling until it is updated.
//
// Environment: SESSIONHUB_URL (http://host:port), SESSIONHUB_TOKEN (a bearer JWT minted with
// the server's AUTH_JWT_SECRET), AVATAR_API_KEY, DECISION_API_KEY.

import WebSocket from "ws";

import { createAvatarClient } from "../../gen/ts/avatar.client";
import { createTherapyClient } from "../../gen/ts/therapy.client";
import type { components as therapyComponents } from "../../gen/ts/therapy.client";
import { AvatarStreamClient, type V1WebsocketServerMessageFrame } from "../../gen/ts/avatarstream.client";
import { CloseError, DecisionsClient, ServerError, type WsServerMessageFrame } from "../../gen/ts/decisions.client";
import { PetchatClient, type WsSlashServerMessageFrame } from "../../gen/ts/petchat.client";
import {
  TherapyEventsClient,
  type APIV1SessionsBySessionIDEventsServerMessageFrame,
} from "../../gen/ts/therapyevents.client";
import { VrtrainingClient, type WsSessionsServerMessageFrame } from "../../gen/ts/vrtraining.client";
import type { WebSocketFactory, WebSocketLike } from "../../gen/ts/wsclient";

const log = (...values: unknown[]): void => console.log(...values);

/** Throws (failing the run) unless ok. */
function check(ok: boolean, what: string, got?: unknown): asserts ok {
  if (!ok) throw new Error(`${what}${got === undefined ? "" : `: got ${JSON.stringify(got)}`}`);
}

/** Fails to compile when a switch over a union misses a member. */
function assertNever(value: never): never {
  throw new Error(`unexpected message: ${JSON.stringify(value)}`);
}

/** Node has no WebSocket that sends headers; the ws package has (the avatar stream needs one). */
const nodeWebSocket: WebSocketFactory = (url, headers) => new WebSocket(url, { headers }) as unknown as WebSocketLike;

/** Resolves with the documented error reply a request was refused with, or throws. */
async function refusal<T>(request: Promise<unknown>): Promise<T> {
  try {
    const reply = await request;
    throw new Error(`want a refusal, got ${JSON.stringify(reply)}`);
  } catch (error) {
    if (error instanceof ServerError) return error.payload as T;
    throw error;
  }
}

// ---------------------------------------------------------------------------------------
// Therapy sessions: REST (specs/therapy.openapi.yaml, baseUrl includes /api/v1) and the live
// events of one session (specs/therapy-events.asyncapi.yaml).

type TherapyError = therapyComponents["schemas"]["ErrorBody"];

function therapyFailed(operation: string, error: TherapyError): never {
  throw new Error(`${operation}: ${error.status} ${error.code} ${error.message} ${error.field ?? ""}`);
}

function describeTherapyEvent(frame: APIV1SessionsBySessionIDEventsServerMessageFrame): string {
  switch (frame.name) {
    case "analysis_progress":
      return `${frame.payload.data.status} ${frame.payload.data.progress}`;
    case "new_emotion":
      return `${frame.payload.data.emotion.name} ${frame.payload.data.emotion.intensity}`;
    case "new_topic":
      return `${frame.payload.data.topic.name} ${frame.payload.data.topic.confidence}`;
    case "new_insight":
      return `${frame.payload.data.insight.type}: ${frame.payload.data.insight.content}`;
    case "error":
      return `${frame.payload.data.code} ${frame.payload.data.message}`;
    default:
      return assertNever(frame);
  }
}

async function therapyExample(base: string, wsBase: string, token: string): Promise<void> {
  const client = createTherapyClient(`${base}/api/v1`, { headers: { Authorization: `Bearer ${token}` } });

  const created = await client.POST("/sessions", {
    body: { title: "Therapy Session 1", description: "Weekly check-in", duration: 3600, status: "created" },
  });
  if (created.error) therapyFailed("createSession", created.error);
  const sessionId: string = created.data.session_id;
  log("therapy: created", sessionId, created.data.status);

  const events = await TherapyEventsClient.connect(wsBase, {
    params: { session_id: sessionId },
    headers: { Authorization: `Bearer ${token}` },
    webSocket: nodeWebSocket,
  });

  const list = await client.GET("/sessions", { params: { query: { page: 1, per_page: 20, sort: "created_at", order: "desc" } } });
  if (list.error) therapyFailed("listSessions", list.error);
  check(list.data.sessions.some((s) => s.id === sessionId), "listSessions lists the new session");

  const path = { session_id: sessionId };
  const updated = await client.PUT("/sessions/{session_id}", { params: { path }, body: { status: "in_progress" } });
  if (updated.error) therapyFailed("updateSession", updated.error);

  // The schema's `file` is format: binary, which openapi-typescript types as string;
  // the serializer sends the real bytes as multipart/form-data.
  const notes = new Blob(["I have been anxious about work and I cannot sleep. My manager criticised my report."], { type: "text/plain" });
  const uploaded = await client.POST("/sessions/{session_id}/content", {
    params: { path },
    body: { file: "notes.txt", type: "text" },
    bodySerializer: (body) => {
      const form = new FormData();
      if (body.type) form.append("type", body.type); // optional: the server can infer it
      form.append("file", notes, body.file);
      return form;
    },
  });
  if (uploaded.error) therapyFailed("uploadContent", uploaded.error);
  log("therapy: uploaded", uploaded.data.data.upload.id);

  // The analysis pushes its results on the session's events socket until it completes.
  for (;;) {
    const frame = await events.receive();
    log("therapy event:", describeTherapyEvent(frame));
    if (frame.name === "analysis_progress" && frame.payload.data.status !== "processing") {
      check(frame.payload.data.status === "completed", "the analysis completes", frame.payload.data);
      break;
    }
  }

  const detail = await client.GET("/sessions/{session_id}", { params: { path } });
  if (detail.error) therapyFailed("getSession", detail.error);
  check(detail.data.analysis_status === "completed" && detail.data.emotions.length > 0, "the session holds its analysis", detail.data.analysis_status);

  const emotions = await client.GET("/sessions/{session_id}/emotions", { params: { path } });
  if (emotions.error) therapyFailed("getEmotions", emotions.error);
  const topics = await client.GET("/sessions/{session_id}/topics", { params: { path } });
  if (topics.error) therapyFailed("getTopics", topics.error);
  const insights = await client.GET("/sessions/{session_id}/insights", { params: { path } });
  if (insights.error) therapyFailed("getInsights", insights.error);
  const status = await client.GET("/sessions/{session_id}/analysis/status", { params: { path } });
  if (status.error) therapyFailed("getAnalysisStatus", status.error);
  log("therapy:", emotions.data.data.emotions.length, "emotions,", topics.data.data.topics.length, "topics,",
    insights.data.data.insights.length, "insights, analysis", status.data.data.analysis.status);

  // Deleting the session closes its events sockets with 1000.
  const deleted = await client.DELETE("/sessions/{session_id}", { params: { path } });
  if (deleted.error) therapyFailed("deleteSession", deleted.error);
  const closed = await events.closed;
  check(closed.code === 1000 && closed.documented, "the events socket closes with the documented 1000", closed.code);
  log("therapy: deleted; events socket closed:", closed.code, closed.reason);
}

// ---------------------------------------------------------------------------------------
// Avatar sessions: REST (specs/avatar.openapi.yaml) and the session's audio stream
// (specs/avatar-stream.asyncapi.yaml).

function describeAvatarFrame(frame: V1WebsocketServerMessageFrame): string {
  switch (frame.name) {
    case "init_ack":
      return `init_ack ${frame.payload.session_id} resumed=${frame.payload.resumed}`;
    case "voice_end_ack":
      return `voice_end_ack ${frame.payload.utterance_seconds}s`;
    case "voice_interrupt_ack":
      return `voice_interrupt_ack ${frame.payload.dropped_frames} frames`;
    case "heartbeat_ack":
      return `heartbeat_ack ${frame.payload.event_id}`;
    case "error":
      return `error ${frame.payload.code} (${frame.payload.in_reply_to ?? "?"})`;
    default:
      return assertNever(frame);
  }
}

async function avatarExample(base: string, wsBase: string, apiKey: string): Promise<void> {
  const client = createAvatarClient(base, { headers: { "x-api-key": apiKey } });
  const started = await client.POST("/session/start", {
    body: {
      avatar_id: "avatar-001",
      quality: "high",
      version: "v1",
      video_encoding: "H264",
      activity_idle_timeout: 120,
      agora_settings: { app_id: "agora-app", token: "agora-token", channel: "room-1", uid: "42", enable_string_uid: true },
      area: "EUROPE",
    },
  });
  if (started.error) throw new Error(`startSession: ${started.error.code} ${started.error.message}`);
  const { session_id, session_token, websocket_address } = started.data;
  check(websocket_address.startsWith(wsBase), "websocket_address is where the server listens", websocket_address);

  const stream = await AvatarStreamClient.connect(wsBase, {
    headers: { Authorization: `Bearer ${session_token}` },
    webSocket: nodeWebSocket,
  });
  const ack = await stream.init({ command: "init", session_id });
  log("avatar:", describeAvatarFrame({ name: "init_ack", payload: ack, frame: "" }));

  // 100 ms of 24 kHz PCM16 silence, in five 20 ms frames, then the end of the utterance.
  const chunk = Buffer.alloc(960).toString("base64");
  for (let i = 0; i < 5; i++) {
    stream.sendVoice({ command: "voice", event_id: `voice-${i}`, audio: chunk, encoding: "PCM16", sampleRate: 24000 });
  }
  const end = await stream.voiceEnd({ command: "voice_end", event_id: "end-1" });
  check(end.recorded && end.frames === 5, "voice_end_ack records the five frames", end);
  stream.sendSpecial({ command: "special", event_id: "special-1", content: "wave" });
  const beat = await stream.heartbeat({ command: "heartbeat", event_id: "beat-1", timestamp: Date.now() });
  check(beat.event_id === "beat-1", "heartbeat_ack echoes the event_id", beat);
  const interrupted = await stream.voiceInterrupt({ command: "voice_interrupt", event_id: "cut-1" });
  log("avatar:", describeAvatarFrame({ name: "voice_interrupt_ack", payload: interrupted, frame: "" }));

  const status = await client.GET("/session/{session_id}/status", { params: { path: { session_id } } });
  if (status.error) throw new Error(`getSessionStatus: ${status.error.code} ${status.error.message}`);
  check(status.data.connected && status.data.counts.utterances === 1, "the status counts the utterance", status.data);

  const stopped = await client.DELETE("/session/stop", {
    headers: { Authorization: `Bearer ${session_token}` },
    body: { session_id, session_token },
  });
  if (stopped.error) throw new Error(`stopSession: ${stopped.error.code} ${stopped.error.message}`);
  const closed = await stream.closed;
  check(closed.code === 1000 && closed.documented, "stopping the session closes its stream with 1000", closed.code);
  log("avatar: stopped; stream closed:", closed.code, closed.reason);
}

// ---------------------------------------------------------------------------------------
// VR training sessions (specs/vrtraining.asyncapi.yaml).

function describeVRFrame(frame: WsSessionsServerMessageFrame): string {
  switch (frame.name) {
    case "create_session_success":
    case "update_session_success":
      return `${frame.name} ${frame.payload.data.sessionId} ${frame.payload.data.status}`;
    case "get_active_sessions_success":
    case "get_session_json_success_all":
      return `${frame.name} ${frame.payload.data.length} sessions`;
    case "get_session_json_success_one":
      return `${frame.name} ${frame.payload.data.sessionId}`;
    case "session_changed":
      return `session_changed ${frame.payload.message} ${frame.payload.data.sessionId}`;
    case "watch_sessions_success":
    case "unwatch_sessions_success":
      return `${frame.name} watching=${frame.payload.data.watching}`;
    case "error":
      return `error ${frame.payload.code} ${frame.payload.message}`;
    default:
      return assertNever(frame);
  }
}

async function vrtrainingExample(wsBase: string): Promise<void> {
  const watcher = await VrtrainingClient.connect(wsBase, { webSocket: nodeWebSocket });
  const vr = await VrtrainingClient.connect(wsBase, { webSocket: nodeWebSocket });
  await watcher.watchSessions({ command: "watch_sessions" });

  const created = await vr.createSession({
    command: "create_session",
    data: { avatarId: "avatar-001", observerId: "observer-7", scenarioId: "fire-drill" },
  });
  const sessionId = created.data.sessionId;
  const changed = await watcher.receive();
  log("vr:", describeVRFrame(changed));
  check(changed.name === "session_changed" && changed.payload.data.sessionId === sessionId, "the watcher sees the new session", changed.name);

  const updated = await vr.updateSession({ command: "update_session", data: { sessionId, status: "paused", score: 87, notes: "Good" } });
  check(updated.data.status === "paused", "update_session pauses the session", updated.data);
  const active = await vr.getActiveSessions({ command: "get_active_sessions" });
  check(active.data.some((s) => s.sessionId === sessionId), "a paused session is active");
  const one = await vr.getSessionJSON({ command: "get_session_json", data: { sessionId } });
  check(!Array.isArray(one.data) && one.data.sessionId === sessionId, "get_session_json with an id returns that session");
  const all = await vr.getSessionJSON({ command: "get_session_json" });
  check(Array.isArray(all.data), "get_session_json without an id returns all sessions");
  await vr.updateSession({ command: "update_session", data: { sessionId, status: "completed" } });
  const final = await refusal<{ code: string }>(vr.updateSession({ command: "update_session", data: { sessionId, status: "running" } }));
  check(final.code === "SESSION_FINAL", "a completed session is final", final);
  await watcher.unwatchSessions({ command: "unwatch_sessions" });
  log("vr: session", sessionId, "created, paused, completed; then refused:", final.code);
  await Promise.all([watcher.close(), vr.close()]);
}

// ---------------------------------------------------------------------------------------
// Pet-care conversations (specs/petchat.asyncapi.yaml).

function describePetchatFrame(frame: WsSlashServerMessageFrame): string {
  switch (frame.name) {
    case "connected":
      return `connected as ${frame.payload.data.user_id}`;
    case "conversations_reply":
      return `${frame.payload.data.conversations.length} conversations`;
    case "conversation_created":
      return `conversation ${frame.payload.data.conversation_id} with ${frame.payload.data.providers.join(", ")}`;
    case "message_sent":
    case "new_message":
      return `${frame.name} from ${frame.payload.data.sender_id}: ${frame.payload.data.content}`;
    case "history_reply":
      return `${frame.payload.data.messages.length} messages`;
    case "error":
      return `error ${frame.payload.data.code} ${frame.payload.data.message}`;
    default:
      return assertNever(frame);
  }
}

async function petchatExample(wsBase: string, token: string): Promise<void> {
  // The owner signs in like a browser (access_token in the query); the provider is anonymous.
  const owner = await PetchatClient.connect(wsBase, { query: { access_token: token }, webSocket: nodeWebSocket });
  const provider = await PetchatClient.connect(wsBase, { webSocket: nodeWebSocket });
  const hello = await provider.receive();
  check(hello.name === "connected", "the first frame is connected", hello.name);
  const providerId = hello.payload.data.user_id;
  log("petchat:", describePetchatFrame(await owner.receive()));

  const conversation = await owner.newConversation({ event: "new_conversation", data: { pet_id: crypto.randomUUID(), providers: [providerId] } });
  const conversationId = conversation.data.conversation_id;
  const told = await provider.receive();
  log("petchat provider:", describePetchatFrame(told));
  check(told.name === "conversation_created" && told.payload.data.conversation_id === conversationId, "the provider learns of the conversation");

  await owner.message({ event: "message", data: { conversation_id: conversationId, content: "Max is limping today." } });
  const delivered = await provider.receive();
  log("petchat provider:", describePetchatFrame(delivered));
  check(delivered.name === "new_message" && delivered.payload.data.content === "Max is limping today.", "the provider gets the message");
  await provider.message({ event: "message", data: { conversation_id: conversationId, content: "Bring him in at 3." } });

  const history = await owner.history({ event: "history", data: { conversation_id: conversationId, limit: 50 } });
  check(history.data.messages.length === 2, "history holds both messages", history.data.messages.length);
  const mine = await owner.conversations({ event: "conversations", data: {} });
  check(mine.data.conversations[0]?.last_message?.content === "Bring him in at 3.", "conversations shows the last message");
  const lost = await refusal<{ data: { code: string } }>(
    owner.message({ event: "message", data: { conversation_id: "9b2e4c1a-5d6f-4e3b-8a7c-0d1e2f3a4b5c", content: "?" } }),
  );
  check(lost.data.code === "CONVERSATION_NOT_FOUND", "an unknown conversation is refused", lost);
  log("petchat: 2 messages exchanged; unknown conversation refused:", lost.data.code);
  await Promise.all([owner.close(), provider.close()]);
}

// ---------------------------------------------------------------------------------------
// Decision actions (specs/decisions.asyncapi.yaml).

function describeDecisionsFrame(frame: WsServerMessageFrame): string {
  switch (frame.name) {
    case "register_success":
    case "connection_success":
      return `${frame.name} token ${frame.payload.token.slice(0, 6)}…`;
    case "take_decision_success":
      return `decision ${frame.payload.data.decision_id} at ${frame.payload.data.recorded_at}`;
    case "get_decisions_success":
      return `${frame.payload.data.decisions.length} decisions`;
    case "disconnect_success":
      return frame.payload.message;
    case "error":
      return `error ${frame.payload.code} ${frame.payload.message}`;
    default:
      return assertNever(frame);
  }
}

async function decisionsExample(wsBase: string, apiKey: string): Promise<void> {
  const client = await DecisionsClient.connect(wsBase, { webSocket: nodeWebSocket });
  const badKey = await refusal<{ code: string }>(client.register({ action: "Register", API_KEY: "wrong", checksum: "c0ffee", name: "kiosk-1" }));
  check(badKey.code === "INVALID_API_KEY", "a wrong API key is refused", badKey);

  const registered = await client.register({ action: "Register", API_KEY: apiKey, checksum: "c0ffee", name: "kiosk-1" });
  const connected = await client.connection({ action: "Connection", checksum: "c0ffee" });
  check(connected.token !== registered.token, "Connection hands out a new token");
  const token = connected.token;

  // Sent without waiting, its reply arrives through receive().
  client.sendTakeDecision({ action: "TakeDecision", token, message: "Approve the request" });
  const recorded = await client.receive();
  log("decisions:", describeDecisionsFrame(recorded));
  check(recorded.name === "take_decision_success", "take_decision is answered", recorded.name);
  await client.takeDecision({ action: "TakeDecision", token, message: "Order more paper" });

  const page = await client.getDecisions({ action: "GetDecisions", token, limit: 10 });
  check(page.data.decisions.map((d) => d.message).join("|") === "Order more paper|Approve the request", "decisions come newest first");
  const bye = await client.disconnect({ action: "Disconnect", token });
  check(bye.data === "disconnected", "Disconnect revokes the token", bye);
  const revoked = await refusal<{ code: string }>(client.takeDecision({ action: "TakeDecision", token, message: "late" }));
  check(revoked.code === "INVALID_TOKEN", "a revoked token is refused", revoked);
  log("decisions: 2 decisions recorded; token revoked");
  const closed = await client.close();
  check(closed instanceof CloseError && closed.code === 1000, "the server answers the close with 1000", closed);
}

async function main(): Promise<void> {
  const env = (name: string): string => {
    const value = process.env[name];
    if (!value) throw new Error(`${name} is not set`);
    return value;
  };
  const base = env("SESSIONHUB_URL");
  const wsBase = base.replace(/^http/, "ws");
  const token = env("SESSIONHUB_TOKEN");
  await therapyExample(base, wsBase, token);
  await avatarExample(base, wsBase, env("AVATAR_API_KEY"));
  await vrtrainingExample(wsBase);
  await petchatExample(wsBase, token);
  await decisionsExample(wsBase, env("DECISION_API_KEY"));
  log("example: every API answered as documented");
}

main().catch((error: unknown) => {
  console.error("example failed:", error);
  process.exit(1);
});
