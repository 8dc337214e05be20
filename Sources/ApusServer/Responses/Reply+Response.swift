// Hands a Reply to Hummingbird.

import HTTPTypes
import Hummingbird

extension Reply {
    var response: Response {
        var fields = HTTPFields()
        for (name, value) in headers {
            if let key = HTTPField.Name(name) { fields.append(HTTPField(name: key, value: value)) }
        }
        return Response(status: HTTPResponse.Status(code: status), headers: fields,
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }
}
