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
            | (INT | FLOAT)                               # Number
            | STRING                                      # String
            | '[' (expr (',' expr)*)? ']'                 # List
            | '(' expr ')'                                # Paren
            ;

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
ID          : [a-zA-Z_] [a-zA-Z_0-9]* ;
NL          : '\r'? '\n' ;
WS          : [ \t]+ -> skip ;
LINE_COMMENT: '//' ~[\r\n]* -> skip ;
BLOCK_COMMENT: '/*' .*? '*/' -> skip ;
BAD_CHAR    : . ;
