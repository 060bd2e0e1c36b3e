import CanonicalJSON
import Testing
import WorkflowRepo

@Suite struct WorkflowTextViewTests {
    static let definition = """
        {
          "nodes": [
            {"id": "start", "type": "flow-node", "position": {"x": 0, "y": 0},
             "data": {"node_type": "start", "display_name": "Start", "config": {}}},
            {"id": "agent", "type": "flow-node", "position": {"x": 240, "y": -80},
             "data": {"node_type": "agent", "display_name": "Agent",
                      "config": {"system_prompt": "Ask for the dates.\\nBe brief.", "max_iterations": 8,
                                 "mcp_servers": [{"url": "https://bot:hunter2@mcp.example.com/sse",
                                                  "headers": {"Authorization": "Bearer abc.def"}}]}}}
          ],
          "edges": [{"source": "start", "target": "agent", "label": "next", "type": "default"}]
        }
        """

    @Test func aDefinitionIsOneLinePerNodeEdgeAndFieldWithTextsLineByLine() throws {
        let view = try WorkflowTextView.render(fileName: "definition.json", bytes: Array(Self.definition.utf8))
        #expect(
            view == """
                node start (start) "Start"
                  config: {}
                  position: 0, 0
                node agent (agent) "Agent"
                  config.max_iterations: 8
                  config.mcp_servers: [{"headers":{"Authorization":"••••••"},"url":"https://••••••@mcp.example.com/sse"}]
                  config.system_prompt:
                    | Ask for the dates.
                    | Be brief.
                  position: 240, -80
                edge start → agent (next)

                """)
        #expect(!view.contains("hunter2") && !view.contains("abc.def"), "credentials are masked")
    }

    @Test func workflowYAMLShowsMetadataThenTriggers() throws {
        let yaml =
            "name: Support\nslug: support\nstatus: active\ntriggers:\n  - active: true\n    phoneNumberId: \"1555\"\n    triggerType: inbound_message\n"
        let view = try WorkflowTextView.render(fileName: "workflow.yaml", bytes: Array(yaml.utf8))
        #expect(
            view == """
                name: "Support"
                slug: "support"
                status: "active"
                trigger inbound_message (on)
                  phoneNumberId: "1555"

                """)
    }

    @Test(arguments: [
        ("Bearer sk-live-123", "Bearer ••••••"),
        ("see https://user:pw@host.example/x and more", "see https://••••••@host.example/x and more"),
        ("mail me at someone@example.com", "mail me at someone@example.com"),
        ("https://host.example/a@b", "https://host.example/a@b"),
    ])
    func textsKeepEverythingButCredentials(text: String, expected: String) {
        #expect(SecretMask.maskedText(text) == expected)
    }

    @Test func aFileGitHandsOverUnderAnotherNameIsToldByItsContent() throws {
        let view = try WorkflowTextView.render(fileName: "/tmp/XyZ12", bytes: Array(Self.definition.utf8))
        #expect(view.hasPrefix("node start (start)"))
    }

    @Test func credentialsAreFoundByTheirPathForValidate() throws {
        let definition = try #require(try JSONParser.parse(Array(Self.definition.utf8)).objectValue)
        #expect(
            SecretMask.findings(.object(definition)) == [
                "nodes.agent.data.config.mcp_servers[0].headers.Authorization", "nodes.agent.data.config.mcp_servers[0].url",
            ])
        #expect(SecretMask.findings(["max_tokens": 400, "token_hint": "", "message": "Hola"]).isEmpty)
    }
}
