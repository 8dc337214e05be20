// GDPR/CCPA (spec §4.2) under /api/app/: deletions and retrievals of a person's data.
//
// Who may ask: a service account with Admin or Owner in the project (HTTP Basic), the project
// named by `project_id` or by `?token=`. The public token alone never authorises either (it
// ships in every web page), and the legacy project secret is refused too: these requests are
// answered only for an account that the audit of who asked can name.
//
// A deletion is logged durably like a profile update and applied at once: every id of the
// person's identity cluster (under the project's merge mode, as it stands now) loses its
// events acknowledged before the request and its profile. A retrieval writes the cluster's
// events and profiles as NDJSON into the data folder (`projects/<id>/retrievals/`) before it
// answers, so its status is known after a restart; the download needs the same credentials.

import ApusCatalog
import ApusModel
import ApusQuery
import ApusStoreCore
import Foundation
import HTTPTypes
import Hummingbird

package struct PrivacyRoutes: Sendable {
    package var state: ServerState

    static let deletionIdsMax = 1999
    static let retrievalIdsMax = 2000

    package func register(on router: Router<ApusRequestContext>) {
        for base in ["api/app/data-deletions/v3.0", "api/app/data-retrievals/v3.0"] {
            let deletion = base.contains("deletions")
            router.post(RouterPath(base)) { request, _ in
                await answer(request) { () async throws(QueryError) -> Reply in
                    let (project, user) = try authorize(request)
                    let body = try await form(request)
                    return deletion ? try await createDeletion(project, body, by: user) : try createRetrieval(project, body)
                }
            }
            router.get(RouterPath(base + "/:task")) { request, context in
                await answer(request) { () async throws(QueryError) -> Reply in
                    let project = try authorize(request).project
                    let task = context.parameters.get("task") ?? ""
                    return deletion ? try deletionStatus(project, task) : try retrievalStatus(project, task)
                }
            }
            if deletion {
                router.delete(RouterPath(base + "/:task")) { request, context in
                    await answer(request) { () async throws(QueryError) -> Reply in
                        let project = try authorize(request).project
                        _ = try deletionTask(project, context.parameters.get("task") ?? "")
                        throw QueryError(status: 405, code: "not_cancellable", message: "the deletion has already been applied; it can no longer be cancelled")
                    }
                }
            } else {
                router.get(RouterPath(base + "/:task/download")) { request, context in
                    await answer(request) { () async throws(QueryError) -> Reply in
                        let project = try authorize(request).project
                        let task = context.parameters.get("task") ?? ""
                        guard Self.isTaskId(task), let data = FileManager.default.contents(atPath: retrievalPath(project, task)) else {
                            throw QueryError(status: 404, code: "unknown_task", message: "no retrieval '\(task)' in this project")
                        }
                        return Reply(status: 200, headers: [("Content-Type", "application/x-ndjson")], body: Array(data))
                    }
                }
            }
        }
    }

    private func answer(_ request: Request, _ run: () async throws(QueryError) -> Reply) async -> Response {
        do throws(QueryError) {
            return try await run().response
        } catch {
            return error.reply(request: request.uri.path + (request.uri.query.map { "?" + $0 } ?? "")).response
        }
    }

    /// The project an Admin or Owner service account asks about.
    private func authorize(_ request: Request) throws(QueryError) -> (project: ProjectID, user: String) {
        let q = QueryString(request.uri.query)
        var projectID = q["project_id"]
        if projectID == nil, let token = q["token"], let id = state.catalog.projectID(forToken: token) { projectID = String(id) }
        guard let authorization = request.headers[.authorization] else {
            throw QueryError(status: 401, code: "missing_credentials",
                             message: "deletions and retrievals need a service account with the Admin or Owner role (HTTP Basic); a project token alone is not enough")
        }
        // Scripts written against Mixpanel's GDPR API send `Authorization: Bearer <token>`:
        // here the token is the secret of a service account made for the purpose.
        if authorization.lowercased().hasPrefix("bearer ") {
            let secret = String(authorization.dropFirst(7)).trimmingCharacters(in: .whitespaces)
            guard !secret.isEmpty, let account = state.catalog.authenticate(secret: secret) else {
                throw QueryError(status: 401, code: "invalid_credentials", message: "the bearer token is not the secret of a service account")
            }
            guard let text = projectID, let project = DecimalText.integer(text) else {
                throw .badRequest("project_id_required", "name the project with ?token= or project_id")
            }
            guard let role = account.roles[project] else {
                throw QueryError(status: 403, code: "not_a_member", message: "that service account has no role in project \(project)")
            }
            guard role >= .admin else {
                throw QueryError(status: 403, code: "role_too_low", message: "deletions and retrievals need the Admin or Owner role; this account is \(role.rawValue)")
            }
            return (project, account.username)
        }
        switch Authenticator(catalog: state.catalog).authenticateRead(authorization: request.headers[.authorization], projectID: projectID, minimum: .admin) {
        case .success(let p):
            guard case .serviceAccount(let username, _) = p.kind else {
                throw QueryError(status: 403, code: "service_account_required",
                                 message: "deletions and retrievals need a service account with the Admin or Owner role, not the project secret")
            }
            return (p.project, username)
        case .failure(let e):
            throw QueryError(e)
        }
    }

    /// The request's JSON body (form-encoded bodies with a `data` field are read too).
    private func form(_ request: Request) async throws(QueryError) -> (ids: [String], compliance: String) {
        guard let buffer = try? await request.body.collect(upTo: 1 << 20) else {
            throw QueryError(status: 413, code: "body_too_large", message: "the request body may be at most 1 MB")
        }
        var text = String(decoding: buffer.readableBytesView, as: UTF8.self)
        if !text.hasPrefix("{"), let data = QueryString(text)["data"] { text = data }
        guard case .object(let m)? = try? JSONParser.parse(text) else {
            throw .badRequest("invalid_body", "send a JSON object such as {\"distinct_ids\": [\"u-1\"], \"compliance_type\": \"GDPR\"}")
        }
        guard case .array(let items)? = m[key: "distinct_ids"], !items.isEmpty else {
            throw .badRequest("missing_parameter", "distinct_ids must be a non-empty list of ids")
        }
        var ids: [String] = []
        for item in items {
            switch item {
            case .string(let s) where !s.isEmpty: ids.append(s)
            case .number(let n): ids.append(JSONWriter.string(.number(n)))
            default: throw .badRequest("invalid_parameter", "distinct_ids must hold only non-empty ids")
            }
        }
        let compliance = (m[key: "compliance_type"]?.stringValue ?? "GDPR").uppercased()
        guard compliance == "GDPR" || compliance == "CCPA" else {
            throw .badRequest("invalid_parameter", "compliance_type must be GDPR or CCPA")
        }
        return (ids, compliance)
    }

    /// `ids` and every id of their identity clusters under the project's merge mode.
    private func cluster(_ ids: [String], _ snapshot: any EventSnapshot, _ project: ProjectID) -> [String] {
        let mode = ((try? state.catalog.project(id: project)) ?? nil)?.identityMode ?? .simplified
        let clusters = snapshot.identity.clusters(mode).clusters()
        var out: [String] = [], seen = Set<String>()
        for id in ids {
            let members = clusters.first { $0.contains(id) } ?? [id]
            for m in members where seen.insert(m).inserted { out.append(m) }
        }
        return out
    }

    private func snapshot(_ project: ProjectID) throws(QueryError) -> any EventSnapshot {
        do throws(StoreError) {
            try state.store.openProject(project)
            return try state.store.snapshot(of: project)
        } catch {
            throw QueryError(error)
        }
    }

    // MARK: Deletions

    private func createDeletion(_ project: ProjectID, _ body: (ids: [String], compliance: String), by user: String) async throws(QueryError) -> Reply {
        guard body.ids.count <= Self.deletionIdsMax else {
            throw .badRequest("invalid_parameter", "one deletion may name at most \(Self.deletionIdsMax) ids")
        }
        let snapshot = try snapshot(project)
        let task = DeletionTask(taskId: Self.newTaskId(), distinctIds: body.ids, ids: cluster(body.ids, snapshot, project),
                                complianceType: body.compliance, requestingUser: user, requestedMs: state.clock.nowMs())
        do throws(StoreError) {
            _ = try await state.store.append(updates: [task.json], kind: .deletion, to: project, receivedMs: task.requestedMs)
        } catch {
            throw QueryError(error)
        }
        return Self.created(task.taskId)
    }

    private func deletionTask(_ project: ProjectID, _ id: String) throws(QueryError) -> DeletionTask {
        guard let task = try snapshot(project).deletions.task(id) else {
            throw QueryError(status: 404, code: "unknown_task", message: "no deletion '\(id)' in this project")
        }
        return task
    }

    private func deletionStatus(_ project: ProjectID, _ id: String) throws(QueryError) -> Reply {
        let task = try deletionTask(project, id)
        return Self.ok(.object([
            JSONMember("tracking_id", .string(task.taskId)),
            JSONMember("status", .string("SUCCESS")),
            JSONMember("requesting_user", .string(task.requestingUser)),
            JSONMember("compliance_type", .string(task.complianceType)),
            JSONMember("project_id", .number(Double(project))),
            JSONMember("date_requested", .string(ProfileTime.text(ms: task.requestedMs))),
            JSONMember("distinct_ids", .array(task.distinctIds.map { .string($0) })),
        ]))
    }

    // MARK: Retrievals

    private func retrievalPath(_ project: ProjectID, _ task: String) -> String {
        state.configuration.store.projectDirectory(project) + "/retrievals/\(task).ndjson"
    }

    private func createRetrieval(_ project: ProjectID, _ body: (ids: [String], compliance: String)) throws(QueryError) -> Reply {
        guard body.ids.count <= Self.retrievalIdsMax else {
            throw .badRequest("invalid_parameter", "one retrieval may name at most \(Self.retrievalIdsMax) ids")
        }
        let snapshot = try snapshot(project)
        let ids = cluster(body.ids, snapshot, project)
        var out: [UInt8] = []
        do throws(StoreError) {
            for uid in Set(ids.compactMap { snapshot.uid(of: $0) }).sorted() {
                var request = ScanRequest.everything(days: Int32.min...Int32.max)
                request.uids = uid..<(uid + 1)
                let blocks = try snapshot.scan(request)
                while let block = try blocks.next() {
                    for r in 0..<block.count where block.uids[r] == uid {
                        var props: [JSONMember] = [
                            JSONMember("time", .number(Double(block.timesMs[r]) / 1000)),
                            JSONMember("distinct_id", .string(snapshot.distinctId(of: uid))),
                            JSONMember("$insert_id", .string(block.insertIds[r])),
                        ]
                        for (k, key) in block.propertyKeys.enumerated() {
                            if let v = block.properties[k].value(at: r) { props.append(JSONMember(key, v)) }
                        }
                        JSONWriter.write(.object([JSONMember("event", .string(block.names[Int(block.nameIds[r])])),
                                                  JSONMember("properties", .object(props))]), into: &out)
                        out.append(0x0A)
                    }
                }
            }
        } catch {
            throw QueryError(error)
        }
        let users = snapshot.profiles.users
        for id in ids {
            guard let row = users.row(of: id), users.live[row] else { continue }
            JSONWriter.write(.object([JSONMember("$distinct_id", .string(id)), JSONMember("$properties", .object(users.properties(row: row)))]),
                             into: &out)
            out.append(0x0A)
        }
        let task = Self.newTaskId()
        let path = retrievalPath(project, task)
        do {
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Data(out).write(to: URL(fileURLWithPath: path), options: .atomic)
            // The id list, so the status names what was asked.
            try Data(JSONWriter.bytes(.array(body.ids.map { .string($0) }))).write(to: URL(fileURLWithPath: path + ".ids"), options: .atomic)
        } catch {
            throw QueryError(status: 503, code: "io_error", message: "the retrieval could not be written to the data folder: \(error)")
        }
        return Self.created(task)
    }

    private func retrievalStatus(_ project: ProjectID, _ task: String) throws(QueryError) -> Reply {
        let path = retrievalPath(project, task)
        guard Self.isTaskId(task), FileManager.default.fileExists(atPath: path) else {
            throw QueryError(status: 404, code: "unknown_task", message: "no retrieval '\(task)' in this project")
        }
        let ids = FileManager.default.contents(atPath: path + ".ids").flatMap { try? JSONParser.parse(Array($0)) } ?? .array([])
        return Self.ok(.object([
            JSONMember("status", .string("SUCCESS")),
            JSONMember("results", .string("/api/app/data-retrievals/v3.0/\(task)/download?project_id=\(project)")),
            JSONMember("distinct_ids", ids),
        ]))
    }

    // MARK: Shapes

    static func newTaskId() -> String {
        var g = SystemRandomNumberGenerator()
        return (0..<16).map { _ in String(g.next() % 16, radix: 16) }.joined()
    }

    static func isTaskId(_ s: String) -> Bool {
        s.utf8.count == 16 && s.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }

    static func created(_ task: String) -> Reply {
        Reply(status: 201, headers: [("Content-Type", "application/json")],
              body: JSONWriter.bytes(.object([JSONMember("status", .string("ok")), JSONMember("results", .object([JSONMember("task_id", .string(task))]))])))
    }

    static func ok(_ results: JSONValue) -> Reply {
        Reply(status: 200, headers: [("Content-Type", "application/json")],
              body: JSONWriter.bytes(.object([JSONMember("status", .string("ok")), JSONMember("results", results)])))
    }
}
