// What the numbers were measured on.

import Foundation

enum MachineInfo {
    static func describe() -> String {
        let cpu = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?
            .split(separator: "\n").first { $0.hasPrefix("model name") }?
            .split(separator: ":").last?.trimmingCharacters(in: .whitespaces) ?? "unknown CPU"
        let mem = ProcessInfo.processInfo.physicalMemory >> 30
        return "\(ProcessInfo.processInfo.activeProcessorCount) cores, \(cpu), \(mem) GiB RAM"
    }
}
