#!/usr/bin/env python3
"""Adds (or refreshes) the incident board's paths and schemas in
web/openapi.json. Run from the repository root; TestOpenAPIMatchesRoutes
checks the result against the routes."""
import json

PATH = "web/openapi.json"
doc = json.load(open(PATH))
S = doc["components"]["schemas"]
P = doc["components"]["parameters"]

def ref(name): return {"$ref": "#/components/schemas/" + name}
def arr(x): return {"type": "array", "items": x}
def obj(props, required=None, desc=None):
    o = {"type": "object", "properties": props}
    if required: o["required"] = required
    if desc: o["description"] = desc
    return o
STR, INT, NUM, BOOL = {"type": "string"}, {"type": "integer"}, {"type": "number"}, {"type": "boolean"}
I64 = {"type": "integer", "format": "int64"}
TIME = {"type": "string", "format": "date-time"}
def enum(*v): return {"type": "string", "enum": list(v)}
def lst(item): return obj({"items": arr(ref(item)), "next_cursor": {"type": "string", "description": "pass as cursor for the next page; absent on the last"}})

INC_STATUS = enum("reported", "confirmed", "responding", "stabilized", "closed", "cancelled")
TASK_STATUS = enum("assigned", "acknowledged", "en_route", "on_scene", "completed", "declined", "cancelled")
ORDER_STATUS = enum("requested", "confirmed", "shipped", "delivered", "rejected", "cancelled")
TEAM_KIND = enum("fire_rescue", "professional", "social", "aviation", "militia", "medical")

S["TeamNeed"] = obj({"capability": STR, "count": {"type": "integer", "minimum": 1, "maximum": 1000}}, ["capability", "count"])
S["Needs"] = obj({"teams": arr(ref("TeamNeed")), "items": arr(ref("ItemQty"))})
inc_in = {"type": {"type": "string", "example": "flood"}, "level": {"type": "integer", "minimum": 1, "maximum": 4, "description": "1 = I (particularly serious) .. 4 = IV (ordinary)"},
          "title": STR, "description": STR, "location": ref("Point"), "address": STR, "region": STR, "needs": ref("Needs"),
          "deadline_s": {"type": "integer", "minimum": 60, "maximum": 259200, "description": "help must arrive within this many seconds of the report (default 10800)"}}
S["NewIncident"] = obj(dict(inc_in, exercise={"type": "boolean", "description": "a drill: nothing it does touches real stock"},
                            reported_at=dict(TIME, description="when it was reported (default now)")), ["type", "level", "title", "location"])
S["IncidentPatch"] = obj(inc_in, desc="fields to change; absent fields are left alone")
S["Incident"] = obj(dict(inc_in, id=STR, location=ref("PointOut"), status=INC_STATUS, exercise=BOOL, reported_at=TIME,
                         created_by=STR, created_at=TIME, updated_at=TIME, closed_at=TIME))
S["IncidentList"] = lst("Incident")
S["StatusChange"] = obj({"status": STR, "reason": STR}, ["status"])
S["Reason"] = obj({"reason": STR})
S["TaskRequest"] = obj({"team": STR, "need": {"type": "string", "description": "the capability of the incident this task covers"},
                        "instructions": STR, "ack_within_s": {"type": "integer", "minimum": 10, "maximum": 86400, "description": "default 120"}}, ["team"])
S["Task"] = obj({"id": STR, "incident": STR, "team": STR, "team_name": STR, "need": STR, "instructions": STR, "status": TASK_STATUS,
                 "ack_within_s": INT, "ack_by": TIME, "escalated": BOOL, "reason": STR, "exercise": BOOL, "replaces": STR, "replaced_by": STR,
                 "created_by": STR, "created_at": TIME, "updated_at": TIME, "escalated_at": TIME, "acked_at": TIME, "en_route_at": TIME,
                 "on_scene_at": TIME, "completed_at": TIME, "ended_at": TIME})
S["TaskList"] = lst("Task")
S["TaskReport"] = obj({"status": enum("acknowledged", "en_route", "on_scene", "completed")}, ["status"])
S["ReplaceRequest"] = obj({"team": {"type": "string", "description": "default: the best team offered"}, "instructions": STR, "ack_within_s": INT})
S["Replacement"] = obj({"replaced": ref("Task"), "task": ref("Task")})
S["OrderRequest"] = obj({"depot": STR, "lines": arr(ref("ItemQty"))}, ["depot", "lines"])
S["OrderLine"] = obj({"item": STR, "name": STR, "unit": STR, "qty": I64, "committed": I64, "reason": STR})
S["Order"] = obj({"id": STR, "incident": STR, "depot": STR, "depot_name": STR, "lines": arr(ref("OrderLine")), "status": ORDER_STATUS,
                  "reason": STR, "exercise": BOOL, "created_by": STR, "created_at": TIME, "updated_at": TIME, "confirmed_at": TIME,
                  "shipped_at": TIME, "delivered_at": TIME, "ended_at": TIME})
S["OrderList"] = lst("Order")
S["ConfirmLine"] = obj({"item": STR, "qty": I64, "reason": STR}, ["item", "qty"])
S["Confirm"] = obj({"lines": arr(ref("ConfirmLine"))}, desc="lines to commit less on; none confirms everything asked")
S["DispatchRequest"] = obj({"tasks": arr(ref("TaskRequest")), "orders": arr(ref("OrderRequest"))})
S["DispatchResult"] = obj({"tasks": arr(ref("Task")), "orders": arr(ref("Order"))})
S["PlanReason"] = obj({"code": enum("no_capability", "all_busy", "none_within_deadline", "late", "stock_exhausted", "unknown_item"), "message": STR})
S["Pick"] = obj({"team": obj({"id": STR, "name": STR, "kind": TEAM_KIND}), "distance_m": NUM, "eta_s": NUM, "meets_deadline": BOOL,
                 "from": enum("position", "base"), "stale": BOOL, "why": STR})
S["TeamPlan"] = obj({"need": STR, "count": INT, "covered": INT, "picks": arr(ref("Pick")), "alternates": arr(ref("Pick")),
                     "shortfall": INT, "reasons": arr(ref("PlanReason"))})
S["PlanLine"] = obj({"depot": obj({"id": STR, "name": STR, "tier": STR, "reserve": enum("physical", "agreement")}), "qty": I64,
                     "available": I64, "distance_m": NUM, "eta_s": NUM, "meets_deadline": BOOL, "why": STR})
S["ItemPlan"] = obj({"item": STR, "name": STR, "unit": STR, "needed": I64, "covered": I64, "plan": arr(ref("PlanLine")),
                     "shortfall": I64, "late_qty": I64, "reasons": arr(ref("PlanReason"))})
S["Suggestion"] = obj({"incident": STR, "exercise": BOOL, "deadline": TIME, "event_id": I64, "computed_at": TIME,
                       "teams": arr(ref("TeamPlan")), "items": arr(ref("ItemPlan"))})
S["Review"] = obj({"incident": ref("Incident"), "reported_at": TIME, "first_task_at": TIME, "to_first_task_s": NUM,
                   "escalations": INT, "declines": INT,
                   "tasks": arr(obj({"task": STR, "team": STR, "team_name": STR, "need": STR, "status": TASK_STATUS, "assigned_at": TIME,
                                     "acked_at": TIME, "to_ack_s": NUM, "on_scene_at": TIME, "to_arrive_s": NUM, "completed_at": TIME,
                                     "escalated": BOOL, "reason": STR})),
                   "orders": arr(obj({"order": STR, "depot": STR, "depot_name": STR, "status": ORDER_STATUS, "requested_at": TIME,
                                      "confirmed_at": TIME, "to_confirm_s": NUM, "shipped_at": TIME, "to_ship_s": NUM,
                                      "delivered_at": TIME, "to_deliver_s": NUM, "lines": arr(ref("OrderLine")), "reason": STR})),
                   "needs": obj({"teams": arr(obj({"capability": STR, "asked": INT, "dispatched": INT, "arrived": INT, "short": INT})),
                                 "items": arr(obj({"item": STR, "name": STR, "unit": STR, "asked": I64, "ordered": I64, "delivered": I64, "short": I64}))})})
S["EventList"] = obj({"items": arr(ref("Event"))})

def q(name, schema, desc):
    return {"name": name, "in": "query", "schema": schema, "description": desc}
P["incidentStatus"] = q("status", STR, "comma-separated statuses")
P["taskStatus"] = q("status", STR, "comma-separated task statuses")
P["orderStatus"] = q("status", STR, "comma-separated order statuses")

readers = "admin, commander, viewer, team_lead, depot_manager"
command = "admin, commander"
auditors = "admin, commander, viewer"
movers = "admin, commander, team_lead (own team)"

R = lambda n: {"$ref": "#/components/responses/" + n}
def op(opid, summary, tag, roles, status="200", out=None, body=None, params=(), idem=False, conflict=False, notfound=True, content=None):
    o = {"operationId": opid, "summary": summary, "tags": [tag], "description": "Roles: " + roles + ".", "parameters": list(params)}
    if idem:
        o["parameters"].append({"$ref": "#/components/parameters/IdempotencyKey"})
    if body:
        o["requestBody"] = {"required": True, "content": {"application/json": {"schema": ref(body)}}}
    ok = {"description": "OK" if status == "200" else "Created"}
    if content:
        ok["content"] = content
    elif out:
        ok["content"] = {"application/json": {"schema": ref(out)}}
    o["responses"] = {status: ok, "401": R("Unauthorized"), "403": R("Forbidden"), "400": R("BadRequest")}
    if notfound:
        o["responses"]["404"] = R("NotFound")
    if conflict:
        o["responses"]["409"] = R("Conflict")
    return o

ID = {"$ref": "#/components/parameters/id"}
L, C = {"$ref": "#/components/parameters/limit"}, {"$ref": "#/components/parameters/cursor"}
paths = {
 "/api/v1/incidents": {
  "get": op("listIncidents", "Incidents, newest first", "incidents", readers, out="IncidentList", notfound=False, params=[
      {"$ref": "#/components/parameters/incidentStatus"}, q("type", STR, "incident type"), q("level", {"type": "integer", "minimum": 1, "maximum": 4}, "level"),
      {"$ref": "#/components/parameters/bbox"}, q("from", TIME, "reported at or after"), q("to", TIME, "reported before"),
      q("exercise", BOOL, "true for drills only, false for real incidents only"), L, C]),
  "post": op("createIncident", "Record an incident", "incidents", command, "201", "Incident", "NewIncident", idem=True, notfound=False)},
 "/api/v1/incidents/{id}": {
  "get": op("getIncident", "One incident", "incidents", readers, out="Incident", params=[ID]),
  "patch": op("updateIncident", "Change an open incident", "incidents", command, out="Incident", body="IncidentPatch", params=[ID], conflict=True)},
 "/api/v1/incidents/{id}/status": {
  "post": op("setIncidentStatus", "Move an incident: reported, confirmed, responding, stabilized, closed; cancelled cancels its tasks and orders", "incidents",
             command, out="Incident", body="StatusChange", params=[ID], conflict=True)},
 "/api/v1/incidents/{id}/timeline": {
  "get": op("getTimeline", "Every event of the incident, its tasks and its orders, in order", "incidents", auditors, out="EventList", params=[ID])},
 "/api/v1/incidents/{id}/suggestions": {
  "get": op("getSuggestions", "The ranked plan for what the incident still needs", "incidents", command, out="Suggestion", params=[ID])},
 "/api/v1/incidents/{id}/dispatch": {
  "post": op("dispatch", "Create every task and order and reserve their stock, all or nothing (409 lists what is short)", "incidents",
             command, "201", "DispatchResult", "DispatchRequest", params=[ID], idem=True, conflict=True)},
 "/api/v1/incidents/{id}/tasks": {
  "get": op("listIncidentTasks", "The incident's tasks", "tasks", readers, out="TaskList", params=[ID, {"$ref": "#/components/parameters/taskStatus"}, L, C]),
  "post": op("createTask", "Task one team", "tasks", command, "201", "Task", "TaskRequest", params=[ID], idem=True, conflict=True)},
 "/api/v1/incidents/{id}/orders": {
  "get": op("listIncidentOrders", "The incident's orders", "orders", readers, out="OrderList", params=[ID, {"$ref": "#/components/parameters/orderStatus"}, L, C]),
  "post": op("createOrder", "Order material from one depot, reserving it", "orders", command, "201", "Order", "OrderRequest", params=[ID], idem=True, conflict=True)},
 "/api/v1/incidents/{id}/review": {
  "get": op("getReview", "The after-action review: who was asked, answered and arrived when, what was short", "incidents", auditors,
            params=[ID, q("format", enum("json", "csv"), "csv answers a spreadsheet table")],
            content={"application/json": {"schema": ref("Review")}, "text/csv": {"schema": STR}})},
 "/api/v1/tasks": {
  "get": op("listTasks", "Tasks, newest first; a team lead sees its own team's", "tasks", readers, out="TaskList", notfound=False,
            params=[q("incident", STR, "incident id"), q("team", STR, "team id"), {"$ref": "#/components/parameters/taskStatus"}, L, C])},
 "/api/v1/tasks/{id}": {"get": op("getTask", "One task", "tasks", readers, out="Task", params=[ID])},
 "/api/v1/tasks/{id}/ack": {"post": op("ackTask", "Acknowledge a task (again changes nothing)", "tasks", movers, out="Task", params=[ID], idem=True, conflict=True)},
 "/api/v1/tasks/{id}/decline": {"post": op("declineTask", "Decline a task with a reason; the next-best teams are offered", "tasks", movers, out="Task", body="Reason", params=[ID], idem=True, conflict=True)},
 "/api/v1/tasks/{id}/status": {"post": op("reportTask", "Report en route, on scene or completed", "tasks", movers, out="Task", body="TaskReport", params=[ID], idem=True, conflict=True)},
 "/api/v1/tasks/{id}/cancel": {"post": op("cancelTask", "Withdraw an active task", "tasks", command, out="Task", body="Reason", params=[ID], idem=True, conflict=True)},
 "/api/v1/tasks/{id}/replace": {"post": op("replaceTask", "Hand an unanswered, declined or cancelled task to another team in one call", "tasks", command, "201", "Replacement", "ReplaceRequest", params=[ID], idem=True, conflict=True)},
 "/api/v1/orders": {
  "get": op("listOrders", "Orders, newest first; a depot manager sees its own depots'", "orders", readers, out="OrderList", notfound=False,
            params=[q("incident", STR, "incident id"), q("depot", STR, "depot id"), {"$ref": "#/components/parameters/orderStatus"}, L, C])},
 "/api/v1/orders/{id}": {"get": op("getOrder", "One order", "orders", readers, out="Order", params=[ID])},
 "/api/v1/orders/{id}/confirm": {"post": op("confirmOrder", "Confirm an order, committing less on some lines with a reason", "orders", "depot_manager (own depots)", out="Order", body="Confirm", params=[ID], idem=True, conflict=True)},
 "/api/v1/orders/{id}/reject": {"post": op("rejectOrder", "Reject an order with a reason, releasing its stock", "orders", "depot_manager (own depots)", out="Order", body="Reason", params=[ID], idem=True, conflict=True)},
 "/api/v1/orders/{id}/ship": {"post": op("shipOrder", "Ship a confirmed order: its quantities leave on hand", "orders", "depot_manager (own depots)", out="Order", params=[ID], idem=True, conflict=True)},
 "/api/v1/orders/{id}/deliver": {"post": op("deliverOrder", "Mark a shipped order delivered", "orders", "admin, commander, team_lead (with a task on the incident)", out="Order", params=[ID], idem=True, conflict=True)},
 "/api/v1/orders/{id}/cancel": {"post": op("cancelOrder", "Withdraw an order that has not shipped, releasing its stock", "orders", command, out="Order", body="Reason", params=[ID], idem=True, conflict=True)},
}
for body_optional in ["/api/v1/tasks/{id}/cancel", "/api/v1/tasks/{id}/replace", "/api/v1/orders/{id}/confirm", "/api/v1/orders/{id}/cancel"]:
    paths[body_optional]["post"]["requestBody"]["required"] = False

# Keep the events path last, where it was.
events = doc["paths"].pop("/api/v1/events", None)
doc["paths"].update(paths)
if events is not None:
    doc["paths"]["/api/v1/events"] = events
names = [t["name"] for t in doc["tags"]]
for name, desc in [("incidents", "the incident board: incidents, plans, dispatch, timeline, review"),
                   ("tasks", "tasks that teams must acknowledge"), ("orders", "material orders that depots confirm")]:
    if name not in names:
        doc["tags"].insert(names.index("events"), {"name": name, "description": desc})
        names = [t["name"] for t in doc["tags"]]
with open(PATH, "w") as f:
    json.dump(doc, f, indent=1, ensure_ascii=False)
    f.write("\n")
