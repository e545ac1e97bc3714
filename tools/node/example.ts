// A compile-only example of the generated TypeScript in gen/ts (checked by tsc-check.sh,
// never run). It calls every REST operation through the typed openapi-fetch clients and,
// for every WebSocket API, builds each client message with the generated union and
// narrows server messages by their discriminator. When a spec changes a path, a field or
// a message, this file stops compiling until it is updated.

import { createAvatarClient } from "../../gen/ts/avatar.client";
import { createTherapyClient } from "../../gen/ts/therapy.client";
import type { components as therapyComponents } from "../../gen/ts/therapy.client";
import * as avatarstream from "../../gen/ts/avatarstream";
import * as decisions from "../../gen/ts/decisions";
import * as petchat from "../../gen/ts/petchat";
import * as therapyevents from "../../gen/ts/therapyevents";
import * as vrtraining from "../../gen/ts/vrtraining";

const log = (...values: unknown[]): void => console.log(...values);

/** Fails to compile when a switch over a discriminated union misses a member. */
function assertNever(value: never): never {
  throw new Error(`unexpected message: ${JSON.stringify(value)}`);
}

/**
 * Fails to compile unless Seen covers every member of All ("... not assignable to
 * { missing: 'x' }"): proves an example builds one client message of each kind.
 */
function assertAllKinds<All extends string, Seen extends All>(
  _covered: [All] extends [Seen] ? true : { missing: Exclude<All, Seen> },
): void {}

// ---------------------------------------------------------------------------------------
// REST: therapy sessions (specs/therapy.openapi.yaml); baseUrl includes /api/v1.

type TherapyError = therapyComponents["schemas"]["ErrorBody"];

function logTherapyError(operation: string, error: TherapyError): void {
  log(operation, error.status, error.code, error.message, error.field ?? "");
}

export async function therapyExample(baseUrl: string, bearerToken: string): Promise<void> {
  const client = createTherapyClient(baseUrl, {
    headers: { Authorization: `Bearer ${bearerToken}` },
  });

  const created = await client.POST("/sessions", {
    body: {
      title: "Therapy Session 1",
      description: "Weekly check-in",
      inputMethod: "text",
      text: "I felt anxious at work this week.",
      settings: { language: "en" },
    },
  });
  if (created.error) return logTherapyError("createSession", created.error);
  const sessionId: string = created.data.session_id;
  log(created.data.sessionId, created.data.graphId, created.data.status, created.data.created_at);

  const list = await client.GET("/sessions", {
    params: { query: { page: 1, per_page: 20, sort: "created_at", order: "desc" } },
  });
  if (list.error) return logTherapyError("listSessions", list.error);
  const { pagination } = list.data.data;
  log(pagination.total, pagination.pages, list.data.sessions[0]?.analysis_status);

  const path = { session_id: sessionId };
  const detail = await client.GET("/sessions/{session_id}", { params: { path } });
  if (detail.error) return logTherapyError("getSession", detail.error);
  const detailEmotions: number[] = detail.data.emotions.map((e) => e.intensity);
  log(detail.data.title, detail.data.analysis_status, detailEmotions, detail.data.action_items.length);

  const updated = await client.PUT("/sessions/{session_id}", {
    params: { path },
    body: { status: "in_progress", duration: 3600 },
  });
  if (updated.error) return logTherapyError("updateSession", updated.error);
  log(updated.data.message);

  // The schema's `file` is format: binary, which openapi-typescript types as string;
  // the serializer sends the real bytes as multipart/form-data.
  const notes = new Blob(["Session notes: talked about sleep and work."], { type: "text/plain" });
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
  if (uploaded.error) return logTherapyError("uploadContent", uploaded.error);
  log(uploaded.data.data.upload.id, uploaded.data.data.upload.size, uploaded.data.data.analysis.status);

  const status = await client.GET("/sessions/{session_id}/analysis/status", { params: { path } });
  if (status.error) return logTherapyError("getAnalysisStatus", status.error);
  const { analysis } = status.data.data;
  const failure: string | null = analysis.error;
  log(analysis.status, analysis.progress, failure, analysis.updated_at);

  const window = { start_time: "2024-03-20T14:30:00Z", end_time: "2024-03-20T15:30:00Z" };
  const emotions = await client.GET("/sessions/{session_id}/emotions", {
    params: { path, query: { ...window, category: "negative" } },
  });
  if (emotions.error) return logTherapyError("getEmotions", emotions.error);
  for (const e of emotions.data.data.emotions) log(e.name, e.intensity, e.timestamp);

  const topics = await client.GET("/sessions/{session_id}/topics", {
    params: { path, query: { ...window, category: "work" } },
  });
  if (topics.error) return logTherapyError("getTopics", topics.error);
  for (const t of topics.data.data.topics) log(t.name, t.confidence);

  const insights = await client.GET("/sessions/{session_id}/insights", {
    params: { path, query: { type: "belief", ...window } },
  });
  if (insights.error) return logTherapyError("getInsights", insights.error);
  for (const i of insights.data.data.insights) log(i.type, i.content, i.confidence);

  const deleted = await client.DELETE("/sessions/{session_id}", { params: { path } });
  if (deleted.error) return logTherapyError("deleteSession", deleted.error);
  log(deleted.data.status, deleted.data.message);
}

// ---------------------------------------------------------------------------------------
// REST: avatar sessions (specs/avatar.openapi.yaml).

export async function avatarExample(baseUrl: string, apiKey: string): Promise<void> {
  const client = createAvatarClient(baseUrl, { headers: { "x-api-key": apiKey } });

  const started = await client.POST("/session/start", {
    body: {
      avatar_id: "avatar-001",
      quality: "high",
      version: "v1",
      video_encoding: "H264",
      activity_idle_timeout: 120,
      agora_settings: {
        app_id: "agora-app",
        token: "agora-token",
        channel: "room-1",
        uid: "42",
        enable_string_uid: true,
      },
      area: "EUROPE",
    },
  });
  if (started.error) {
    log("startSession", started.error.error, started.error.code, started.error.message);
    return;
  }
  const { session_id, session_token, websocket_address } = started.data;
  log(websocket_address);

  const status = await client.GET("/session/{session_id}/status", {
    params: { path: { session_id } },
  });
  if (status.error) {
    log("getSessionStatus", status.error.code, status.error.message);
    return;
  }
  log(status.data.state, status.data.connected, status.data.counts.audio_seconds, status.data.ended_reason);

  const stopped = await client.DELETE("/session/stop", {
    headers: { Authorization: `Bearer ${session_token}` },
    body: { session_id, session_token },
  });
  if (stopped.error) {
    log("stopSession", stopped.error.code, stopped.error.message);
    return;
  }
  const done: "Session terminated successfully" = stopped.data.message;
  log(stopped.data.status, done);
}

// ---------------------------------------------------------------------------------------
// WebSocket APIs. `send` stands for any WebSocket's send (browser, ws, undici).

type Send = (frame: string) => void;

export function vrtrainingExample(send: Send): void {
  const messages = [
    {
      command: "create_session",
      data: { avatarId: "avatar-001", observerId: "observer-7", scenarioId: "fire-drill" },
    },
    {
      command: "update_session",
      data: { sessionId: "3f6c1d2e-8a4b-4c7d-9e0f-1a2b3c4d5e6f", status: "completed", score: 87, notes: "Good" },
    },
    { command: "get_active_sessions" },
    { command: "get_session_json", data: { sessionId: "3f6c1d2e-8a4b-4c7d-9e0f-1a2b3c4d5e6f" } },
    { command: "watch_sessions" },
    { command: "unwatch_sessions" },
  ] satisfies vrtraining.WsSessionsClientMessage[];
  assertAllKinds<vrtraining.WsSessionsClientMessage["command"], (typeof messages)[number]["command"]>(true);
  for (const m of messages) send(JSON.stringify(m));
}

export function onVrtrainingFrame(frame: string): void {
  const msg = JSON.parse(frame) as vrtraining.WsSessionsServerMessage;
  switch (msg.response_type) {
    case "error":
      log(msg.code, msg.message, msg.command);
      return;
    case "event":
      log(msg.command, msg.message, msg.data.sessionId, msg.data.status);
      return;
    case "success":
      switch (msg.command) {
        case "create_session":
        case "update_session":
          log(msg.data.sessionId, msg.data.status, msg.data.score);
          return;
        case "get_active_sessions":
          log(msg.data.map((s) => s.sessionId));
          return;
        case "get_session_json": {
          const data = msg.data; // one session when asked for a sessionId, else all of them
          log(Array.isArray(data) ? data.length : data.updatedAt);
          return;
        }
        case "watch_sessions":
        case "unwatch_sessions":
          log(msg.data.watching);
          return;
        default:
          return assertNever(msg);
      }
    default:
      return assertNever(msg);
  }
}

export function onTherapyEventsFrame(frame: string): void {
  // This channel takes no client messages; the server only pushes analysis events.
  const msg = JSON.parse(frame) as therapyevents.APIV1SessionsBySessionIDEventsServerMessage;
  switch (msg.type) {
    case "analysis_progress":
      log(msg.data.status, msg.data.progress, msg.data.error);
      return;
    case "new_emotion":
      log(msg.data.emotion.name, msg.data.emotion.intensity);
      return;
    case "new_topic":
      log(msg.data.topic.name, msg.data.topic.confidence);
      return;
    case "new_insight":
      log(msg.data.insight.type, msg.data.insight.content);
      return;
    case "error":
      log(msg.data.code, msg.data.message);
      return;
    default:
      return assertNever(msg);
  }
}

export function petchatExample(send: Send): void {
  const conversationId = "9b2e4c1a-5d6f-4e3b-8a7c-0d1e2f3a4b5c";
  const messages = [
    { event: "conversations" },
    { event: "new_conversation", data: { pet_id: "pet-1", providers: ["vet-1", "groomer-2"] } },
    { event: "message", data: { conversation_id: conversationId, content: "Max is limping today." } },
    { event: "history", data: { conversation_id: conversationId, limit: 50 } },
  ] satisfies petchat.WsSlashClientMessage[];
  assertAllKinds<petchat.WsSlashClientMessage["event"], (typeof messages)[number]["event"]>(true);
  for (const m of messages) send(JSON.stringify(m));
}

export function onPetchatFrame(frame: string): void {
  const msg = JSON.parse(frame) as petchat.WsSlashServerMessage;
  switch (msg.event) {
    case "connected":
      log(msg.data.user_id);
      return;
    case "conversations":
      log(msg.data.conversations.map((c) => [c.conversation_id, c.last_message?.content]));
      return;
    case "conversation_created":
      log(msg.data.conversation_id, msg.data.providers);
      return;
    case "message_sent":
    case "new_message":
      log(msg.data.sender_id, msg.data.content, msg.data.timestamp);
      return;
    case "history":
      log(msg.data.messages.length, msg.data.next_cursor);
      return;
    case "error":
      log(msg.data.code, msg.data.message, msg.data.event);
      return;
    default:
      return assertNever(msg);
  }
}

export function avatarstreamExample(send: Send, sessionId: string): void {
  const messages = [
    {
      command: "init",
      session_id: sessionId,
      avatar_id: "avatar-001",
      quality: "medium",
      version: "v1",
      video_encoding: "VP8",
      agora_settings: {
        app_id: "agora-app",
        token: "agora-token",
        channel: "room-1",
        uid: "42",
        enable_string_uid: false,
      },
    },
    { command: "voice", event_id: "evt-1", audio: "AAAA", encoding: "PCM16", sample_rate: 16000 },
    { command: "voice_end", event_id: "evt-2" },
    { command: "voice_interrupt", event_id: "evt-3" },
    { command: "special", event_id: "evt-4", content: "wave" },
    { command: "heartbeat", event_id: "evt-5", timestamp: 1710945000000 },
  ] satisfies avatarstream.V1WebsocketClientMessage[];
  assertAllKinds<avatarstream.V1WebsocketClientMessage["command"], (typeof messages)[number]["command"]>(true);
  for (const m of messages) send(JSON.stringify(m));
}

export function onAvatarstreamFrame(frame: string): void {
  const msg = JSON.parse(frame) as avatarstream.V1WebsocketServerMessage;
  switch (msg.command) {
    case "init_ack":
      log(msg.session_id, msg.resumed, msg.activity_idle_timeout);
      return;
    case "voice_end_ack":
      log(msg.event_id, msg.recorded, msg.utterance_seconds, msg.frames);
      return;
    case "voice_interrupt_ack":
      log(msg.event_id, msg.dropped_frames, msg.dropped_seconds);
      return;
    case "heartbeat_ack":
      log(msg.event_id, msg.timestamp);
      return;
    case "error":
      log(msg.code, msg.message, msg.in_reply_to);
      return;
    default:
      return assertNever(msg);
  }
}

export function decisionsExample(send: Send, apiKey: string, token: decisions.Token): void {
  const messages = [
    { action: "Register", API_KEY: apiKey, name: "kiosk-1", checksum: "c0ffee" },
    { action: "Connection", checksum: "c0ffee" },
    { action: "TakeDecision", token, message: "Approve the request" },
    { action: "GetDecisions", token, limit: 10 },
    { action: "Disconnect", token },
  ] satisfies decisions.WsClientMessage[];
  assertAllKinds<decisions.WsClientMessage["action"], (typeof messages)[number]["action"]>(true);
  for (const m of messages) send(JSON.stringify(m));
}

export function onDecisionsFrame(frame: string): void {
  const msg = JSON.parse(frame) as decisions.WsServerMessage;
  switch (msg.status) {
    case "error":
      log(msg.code, msg.message, msg.action, msg.retry_after);
      return;
    case "success":
      switch (msg.action) {
        case "Register":
        case "Connection":
          log(msg.token, msg.data);
          return;
        case "TakeDecision":
          log(msg.data.decision_id, msg.data.recorded_at);
          return;
        case "GetDecisions":
          log(msg.data.decisions.length, msg.data.next_cursor);
          return;
        case "Disconnect":
          log(msg.message, msg.data);
          return;
        default:
          return assertNever(msg);
      }
    default:
      return assertNever(msg);
  }
}

// The channel paths are generated constants too.
export const channelPaths: readonly string[] = [
  vrtraining.ChannelWsSessions,
  therapyevents.ChannelAPIV1SessionsBySessionIDEvents,
  petchat.ChannelWsSlash,
  avatarstream.ChannelV1Websocket,
  decisions.ChannelWs,
];
