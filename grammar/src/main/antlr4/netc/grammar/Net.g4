/*
 * The .net model language.
 *
 * Statements end at a newline. The compiler's token filter (netc.compiler.frontend.NewlineFilter) drops
 * the newlines that do not end a statement: inside brackets, after a binary operator, '|>', ',' or '=',
 * and before a line that starts with '|>' or a binary operator other than '-'. The parser therefore sees
 * NL only where a statement ends.
 */
grammar Net;


file        : NL* (model | def) (NL+ (model | def))* NL* EOF ;

model       : 'model' ID '{' NL* (stmt (NL+ stmt)*)? NL* '}' ;

stmt        : inputDecl
            | paramDecl
            | constDecl
            | outputDecl
            | lossDecl
            | def
            | trainBlock
            | assign
            ;

inputDecl   : 'input' ID ':' dtype=('float' | 'int')? '[' dims? ']' ;
paramDecl   : 'param' ID ':' '[' dims? ']' ('=' init=expr)? ;
constDecl   : 'const' ID '=' expr ;
outputDecl  : 'output' ID '=' expr ;
lossDecl    : 'loss' '=' expr ;
assign      : ID '=' expr ;
def         : 'def' ID '(' (ID (',' ID)*)? ')' '=' expr ;
trainBlock  : 'train' '{' NL* (trainItem (NL+ trainItem)*)? NL* '}' ;
trainItem   : key=ID '=' expr ;

dims        : dim (',' dim)* ;
dim         : INT | ID ;

expr        : expr '[' slice (',' slice)* ']'             # Index
            | <assoc=right> expr '^' expr                 # Power
            | op='-' expr                                 # Negate
            | expr op=('*' | '/' | '@') expr              # Multiplicative
            | expr op=('+' | '-') expr                    # Additive
            | expr '|>' callee=qname ('(' args? ')')?     # Pipe
            | callee=qname '(' args? ')'                  # Call
            | qname                                       # Name
            | 'loss'                                      # LossRef
            | (INT | FLOAT)                               # Number
            | STRING                                      # String
            | '[' (expr (',' expr)*)? ']'                 # List
            | '(' expr ')'                                # Paren
            ;

/*
 * For error messages only. A file with syntax errors is parsed again by fileLenient, whose statements
 * may be junk: the tokens up to the end of the line (braces balanced) of a statement that does not parse.
 * A valid statement is never junk (the first alternative wins an ambiguity), so junk is exactly what is
 * wrong; the compiler parses each junk again alone, by the *Alone rules, to say what is wrong with it.
 * One error per statement, and a broken statement does not derail the ones after it.
 */
fileLenient  : NL* topLenient (NL+ topLenient)* NL* EOF ;
topLenient   : modelLenient | def | junk ;
modelLenient : 'model' ID '{' NL* (line (NL+ line)*)? NL* '}' ;
line         : stmtLenient | junk ;
stmtLenient  : inputDecl | paramDecl | constDecl | outputDecl | lossDecl | def | trainLenient | assign ;
trainLenient : 'train' '{' NL* (trainLine (NL+ trainLine)*)? NL* '}' ;
trainLine    : trainItem | junk ;
junk         : (~(NL | '{' | '}') | braced)+ ;
braced       : '{' (~('{' | '}') | braced)* '}' ;
topAlone     : (model | def) EOF ;
stmtAlone    : stmt EOF ;
trainItemAlone : trainItem EOF ;

args        : arg (',' arg)* ;
arg         : (ID '=')? expr ;
slice       : expr                                        # SliceIndex
            | start=expr? ':' stop=expr? (':' step=expr?)? # SliceRange
            ;
qname       : ID ('.' ID)* ;

INT         : [0-9]+ ;
FLOAT       : [0-9]+ '.' [0-9]* EXP? | '.' [0-9]+ EXP? | [0-9]+ EXP ;
fragment EXP: [eE] [+-]? [0-9]+ ;
STRING      : '"' (~["\\\r\n] | '\\' .)* '"' ;
// a string without its closing quote on the same line; the parser reports it as such
UNTERMINATED_STRING : '"' (~["\\\r\n] | '\\' ~[\r\n])* ;
ID          : [a-zA-Z_] [a-zA-Z_0-9]* ;
NL          : '\r'? '\n' ;
WS          : [ \t]+ -> skip ;
LINE_COMMENT: '//' ~[\r\n]* -> skip ;
BLOCK_COMMENT: '/*' .*? '*/' -> skip ;
// a block comment that runs to the end of the file (it cannot contain '*/')
UNTERMINATED_COMMENT: '/*' (~'*' | '*'+ ~[*/])* '*'* EOF ;
BAD_CHAR    : . ;
