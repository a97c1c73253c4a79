/* test_messages_params.c - the Anthropic Messages request parser: system,
 * blocks (text, image, tool_use, tool_result), tools, tool_choice,
 * max_tokens, the count_tokens estimate, and each refusal's param.
 * JSON is written with ' for ". */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hub_error.h"
#include "fcgi/messages_params.h"
#include "tap.h"

static struct messages_params P;
static char ERR[512], PARAM[128];

/* Parse body (with ' for ") into P, freeing the last one; the return code. */
static int
parse_as(const char *body, int for_count)
{
	char *b = strdup(body), *p;
	int rc;

	for (p = b; *p; p++)
		if (*p == '\'')
			*p = '"';
	messages_params_free(&P);
	rc = messages_params_parse(b, strlen(b), for_count, &P, ERR, sizeof(ERR), PARAM, sizeof(PARAM));
	free(b);
	return rc;
}

static int
parse(const char *body)
{
	return parse_as(body, 0);
}

static void
refused(const char *body, const char *param, const char *name)
{
	is_int(parse(body), HUB_ERR_INVALID, "%s: refused", name);
	is_str(PARAM, param, "%s: param", name);
	ok(ERR[0] != '\0', "%s: with a message", name);
}

#define HEAD "'model':'sonnet','max_tokens':100,"
#define CALC "{'name':'Calculator','description':'math','input_schema':{'type':'object'," \
	"'properties':{'input':{'type':'string'}},'required':['input']}}"
#define PNG "iVBORw0KGgoAAAANSUhEUgAB"

static void
test_messages(void)
{
	is_int(parse("{" HEAD "'messages':[{'role':'user','content':'hello'}]}"), HUB_OK, "a plain request");
	is_int(P.chat.n_messages, 1, "one message");
	is_str(P.chat.messages[0].content, "hello", "its text");
	is_int(P.max_tokens, 100, "max_tokens");
	is_int(P.chat.stream, 0, "not streamed");

	is_int(parse("{" HEAD "'stream':true,'system':[{'type':'text','text':'Be brief.','cache_control':"
	    "{'type':'ephemeral'}},{'type':'text','text':'Be kind.'}],'messages':[{'role':'user','content':"
	    "[{'type':'text','text':'look'},{'type':'image','source':{'type':'base64','media_type':'image/png',"
	    "'data':'" PNG "'}}]}]}"), HUB_OK, "system blocks and an image");
	is_int(P.chat.stream, 1, "streamed");
	is_str(P.chat.messages[0].role, "system", "system first");
	is_str(P.chat.messages[0].content, "Be brief.\nBe kind.", "its blocks joined");
	is_int(P.chat.messages[1].n_images, 1, "one image");
	is_str(P.chat.messages[1].images[0].media_type, "image/png", "a PNG");
	is_str(P.chat.messages[1].content, "look", "beside the text");

	is_int(parse("{" HEAD "'system':'sys','messages':[{'role':'user','content':'q'},{'role':'assistant','content':"
	    "[{'type':'thinking','thinking':'hm','signature':'s'},{'type':'text','text':'I will compute.'},"
	    "{'type':'tool_use','id':'toolu_1','name':'Calculator','input':{'input':'17*23'}}]},"
	    "{'role':'user','content':[{'type':'tool_result','tool_use_id':'toolu_1','content':'391'},"
	    "{'type':'text','text':'and now?'}]}]}"), HUB_OK, "a tool round");
	is_int(P.chat.n_messages, 5, "system, user, assistant, tool result, user text");
	is_str(P.chat.messages[2].content, "I will compute.", "the assistant's text, thinking skipped");
	is_int(P.chat.messages[2].n_tool_calls, 1, "one call");
	is_str(P.chat.messages[2].tool_calls[0].id, "toolu_1", "its id");
	is_str(P.chat.messages[2].tool_calls[0].arguments, "{\"input\":\"17*23\"}", "its input as compact JSON");
	is_str(P.chat.messages[3].role, "tool", "the result");
	is_str(P.chat.messages[3].tool_call_id, "toolu_1", "answering toolu_1");
	is_str(P.chat.messages[3].content, "391", "its content");
	is_str(P.chat.messages[4].content, "and now?", "then the user's text");

	is_int(parse("{" HEAD "'messages':[{'role':'user','content':'q'},{'role':'assistant','content':"
	    "[{'type':'tool_use','id':'a','name':'f','input':{}},{'type':'tool_use','id':'b','name':'f','input':{}}]},"
	    "{'role':'user','content':[{'type':'tool_result','tool_use_id':'a','content':[{'type':'text','text':'1'}]},"
	    "{'type':'tool_result','tool_use_id':'b','is_error':true}]}]}"), HUB_OK,
	    "two results, one of text blocks, one empty");
	is_int(P.chat.n_messages, 4, "no empty user message after the results");
	is_str(P.chat.messages[2].content, "1", "text blocks");
	is_str(P.chat.messages[3].content, "", "empty");

	refused("{'model':'sonnet','messages':[{'role':'user','content':'q'}]}", "max_tokens", "no max_tokens");
	refused("{" HEAD "'max_tokens':0,'messages':[{'role':'user','content':'q'}]}", "max_tokens", "max_tokens 0");
	refused("{'max_tokens':5,'messages':[{'role':'user','content':'q'}]}", "model", "no model");
	refused("{" HEAD "'messages':[]}", "messages", "no messages");
	refused("{" HEAD "'messages':[{'role':'system','content':'q'}]}", "messages.0.role", "a system role");
	refused("{" HEAD "'messages':[{'role':'user','content':'q'},{'role':'assistant','content':'prefill'}]}",
	    "messages", "an assistant prefill");
	refused("{" HEAD "'messages':[{'role':'user','content':[{'type':'document','source':{}}]}]}",
	    "messages.0.content.0", "a document");
	refused("{" HEAD "'messages':[{'role':'user','content':[{'type':'image','source':{'type':'url','url':'https://x'}}]}]}",
	    "messages.0.content.0.source", "an image by URL");
	refused("{" HEAD "'messages':[{'role':'user','content':[{'type':'image','source':{'type':'base64',"
	    "'media_type':'image/jpeg','data':'" PNG "'}}]}]}", "messages.0.content.0.source.data",
	    "a PNG labelled JPEG");
	refused("{" HEAD "'messages':[{'role':'user','content':[{'type':'tool_use','id':'a','name':'f','input':{}}]}]}",
	    "messages.0.content.0", "tool_use from the user");
	refused("{" HEAD "'messages':[{'role':'assistant','content':[{'type':'tool_use','id':'a','name':'f','input':'x'}]},"
	    "{'role':'user','content':'q'}]}", "messages.0.content.0.input", "an input that is no object");
	refused("{" HEAD "'messages':[{'role':'user','content':[{'type':'tool_result','content':'x'}]}]}",
	    "messages.0.content.0.tool_use_id", "a result without tool_use_id");
	refused("{" HEAD "'messages':[{'role':'user','content':[{'type':'text','text':'x'},"
	    "{'type':'tool_result','tool_use_id':'a'}]}]}", "messages.0.content.1", "a result after text");
	refused("{" HEAD "'system':[{'type':'image'}],'messages':[{'role':'user','content':'q'}]}", "system.0",
	    "an image in system");
	refused("{" HEAD "'messages':[{'role':'user','content':[{'type':'text'}]}]}", "messages.0.content.0",
	    "a text block without text");
}

static void
test_tools(void)
{
	is_int(parse("{" HEAD "'tools':[" CALC "],'tool_choice':{'type':'any','disable_parallel_tool_use':true},"
	    "'messages':[{'role':'user','content':'q'}]}"), HUB_OK, "a custom tool, any, no parallel use");
	is_int(P.chat.n_tools, 1, "one tool");
	is_str(P.chat.tools[0].name, "Calculator", "its name");
	ok(strstr(P.chat.tools[0].parameters, "\"required\":[\"input\"]") != NULL, "its input_schema");
	is_int(P.chat.tool_choice, PROVIDER_TOOL_CHOICE_REQUIRED, "any is required");
	is_int(P.chat.parallel_tool_calls, 0, "disable_parallel_tool_use");
	is_int(parse("{" HEAD "'tools':[" CALC "],'tool_choice':{'type':'tool','name':'Calculator'},"
	    "'messages':[{'role':'user','content':'q'}]}"), HUB_OK, "tool_choice tool");
	is_int(P.chat.tool_choice, PROVIDER_TOOL_CHOICE_NAMED, "named");
	is_str(P.chat.tool_choice_name, "Calculator", "by name");
	is_int(parse("{" HEAD "'tools':[{'type':'custom','name':'f','input_schema':{'type':'object'}}],"
	    "'tool_choice':{'type':'none'},'messages':[{'role':'user','content':'q'}]}"), HUB_OK,
	    "type custom and none");
	is_int(P.chat.tool_choice, PROVIDER_TOOL_CHOICE_NONE, "none");
	is_int(parse("{" HEAD "'tool_choice':{'type':'auto'},'messages':[{'role':'user','content':'q'}]}"), HUB_OK,
	    "auto without tools");

	refused("{" HEAD "'tools':[{'type':'web_search_20250305','name':'web_search'}],'messages':[{'role':'user',"
	    "'content':'q'}]}", "tools.0", "a server tool");
	refused("{" HEAD "'tools':[{'name':'f'}],'messages':[{'role':'user','content':'q'}]}", "tools.0",
	    "a tool without input_schema");
	refused("{" HEAD "'tools':[" CALC "],'tool_choice':{'type':'tool','name':'g'},'messages':[{'role':'user',"
	    "'content':'q'}]}", "tool_choice", "a named tool not declared");
	refused("{" HEAD "'tool_choice':{'type':'any'},'messages':[{'role':'user','content':'q'}]}", "tool_choice",
	    "any without tools");
	refused("{" HEAD "'tool_choice':'auto','messages':[{'role':'user','content':'q'}]}", "tool_choice",
	    "tool_choice a string");
	refused("{" HEAD "'mcp_servers':[],'messages':[{'role':'user','content':'q'}]}", "mcp_servers",
	    "mcp_servers");
	refused("{" HEAD "'top_k':'x','messages':[{'role':'user','content':'q'}]}", "top_k", "top_k a string");
}

static void
test_count(void)
{
	is_int(parse_as("{'model':'sonnet','messages':[{'role':'user','content':'12345678'}]}", 1), HUB_OK,
	    "count_tokens takes no max_tokens");
	is_int(messages_params_estimate_tokens(&P), 2, "8 bytes are 2 tokens");
	is_int(parse_as("{'model':'sonnet','system':'abcd','messages':[{'role':'user','content':'12345'}]}", 1),
	    HUB_OK, "with system");
	is_int(messages_params_estimate_tokens(&P), 3, "9 bytes round up to 3 tokens");
	is_int(parse_as("{'model':'sonnet','messages':[{'role':'user','content':[{'type':'image','source':"
	    "{'type':'base64','media_type':'image/png','data':'" PNG "'}}]}]}", 1), HUB_OK, "an image");
	is_int(messages_params_estimate_tokens(&P), 1600, "an image counts 1,600");
}

int
main(void)
{
	memset(&P, 0, sizeof(P));
	test_messages();
	test_tools();
	test_count();
	messages_params_free(&P);
	return tap_done();
}
